"""Anonymise a case narrative so it can be told in public (以案说法).

Police publish local cases without anything that identifies the victim: names become
"张某", phones, ids, cards, accounts and links go, amounts are rounded and said in words
("三万余元"), dates become "近日", and an address is cut to its district. The result also
keeps the warnings' rule of no digits (a digit string in a notice reads as a number to
call): whatever digits survive the specific steps are written in Chinese or masked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from fraudwarn.text.indicators import extract_indicators

MASK = "×××"
_CN = "零一二三四五六七八九"
#: The commonest surnames (covering most of the population); a name must start with one.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_ROLE_CUES = (
    "事主|受害人|被害人|报警人|报案人|当事人|市民|居民|村民|男子|女子|大学生|学生|老人|网友|嫌疑人|"
    "犯罪嫌疑人|店主|老板|员工|职员|会计|出纳|退休教师|教师|女士|先生|阿姨|大爷|母亲|父亲|儿子|女儿|丈夫|妻子"
)
_COMPOUND = "欧阳|司马|诸葛|上官|东方|慕容|令狐|皇甫|尉迟|公孙|夏侯|端木|长孙|宇文|司徒|西门"
_TITLES = "某|女士|先生|小姐|老师|同学|阿姨|师傅|大爷|大妈|奶奶|爷爷|老板|经理|总|警官|医生|律师"
_SURNAME = rf"(?:{_COMPOUND}|[{SURNAMES}])(?!{_TITLES})"
_HAN = r"[\u4e00-\u9fff]"
_NAME_AFTER_CUE = re.compile(
    rf"({_ROLE_CUES})([：:，,]?)({_SURNAME})({_HAN}{{1,2}}?)(?=[（(，,。；;、说称在于向被与和的将因并已报到从]|$)"
)
_NAME_FIELD = re.compile(rf"(姓名|名叫|叫做|名为)([：:]?)({_SURNAME})({_HAN}{{1,2}})")
_AGE = re.compile(r"[（(][^（）()]{0,12}?\d{1,3}\s*岁[^（）()]{0,12}[）)]|\d{1,3}\s*岁")
_DATE = re.compile(
    r"(?:\d{2,4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*(?:上午|下午|晚上|凌晨|中午)?\s*\d{1,2}\s*[时点:：](?:\s*\d{1,2}\s*分?)?许?)?"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|(?:上午|下午|晚上|凌晨|中午)?\s*\d{1,2}\s*[时点](?:\s*\d{1,2}\s*分)?许"
)
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|"
    "云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_ADDRESS = re.compile(
    rf"(?:(?:{_PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?)?"
    rf"(?:(?:(?<![\u4e00-\u9fff])|(?<=[在于到从至住是自省区]))(?![在于本该我全此其])(?:{_HAN}{{2,3}}?)市)?({_HAN}{{1,5}}?(?:区|县))"
    rf"((?:{_HAN}{{1,10}}?(?:街道|镇|乡|村|社区|小区|花园|大厦|公寓|路|大街|街|巷|弄|广场)|[0-9０-９]+\s*(?:号楼|号|栋|幢|单元|室|楼))+)"
)
_MONEY = re.compile(
    r"(?:人民币|¥|￥)?\s*([0-9]+(?:[,，][0-9]{3})*(?:\.[0-9]+)?)\s*(万元|万|千元|元|块钱|块)"
    r"|(?:人民币|¥|￥)\s*([0-9]+(?:[,，][0-9]{3})*(?:\.[0-9]+)?)"
)
_TAIL = re.compile(r"(尾号|末四位|后四位|末尾)\s*[:：为是]?\s*[0-9０-９]{3,6}")
_DIGITS = re.compile(r"[0-9０-９]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Anonymized:
    text: str
    removed: Counter[str] = field(default_factory=Counter)  # what was taken out, by kind


def _cn_int(n: int) -> str:
    """A non-negative integer below 10^8 in Chinese numerals (三千五百, 两万)."""
    if n == 0:
        return "零"
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        rest = _cn_int(low) if low else ""
        return _cn_int(high) + "万" + ("零" if 0 < low < 1000 else "") + rest
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            if zero:
                out += "零"
            out += ("两" if d == 2 and unit in ("千", "百") and not out else _CN[d]) + unit
            zero = False
        elif out:
            zero = True
    return "十" + out[2:] if out.startswith("一十") else out


def round_amount(yuan: float) -> str:
    """``38650`` → ``三万余元``; ``2000`` → ``两千元``; ``450`` → ``数百元``; below 100 → ``数十元``."""
    if yuan >= 100_000_000:
        n, unit, base = int(yuan // 100_000_000), "亿", 100_000_000
    elif yuan >= 10_000:
        n, unit, base = int(yuan // 10_000), "万", 10_000
    elif yuan >= 1000:
        n, unit, base = int(yuan // 1000), "千", 1000
    elif yuan >= 100:
        return "数百元"
    else:
        return "数十元"
    exact = abs(yuan - n * base) < 1e-9
    word = _cn_int(n)
    if n == 2 and unit in ("千", "万"):
        word = "两"
    return f"{word}{unit}{'' if exact else '余'}元"


def _amount(match: re.Match[str]) -> str:
    number, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), "元")
    value = float(number.replace(",", "").replace("，", ""))
    if unit.startswith("万"):
        value *= 10_000
    elif unit.startswith("千"):
        value *= 1000
    return round_amount(value)


def anonymize(text: str) -> Anonymized:
    """The narrative without identifying details; see the module docstring for what goes."""
    removed: Counter[str] = Counter()
    s = text
    # 1. contact details, accounts, ids, links: by the indicator extractor, last span first
    for ind in sorted(extract_indicators(s), key=lambda i: -i.start):
        if ind.kind in ("money", "app"):
            continue
        s = s[: ind.start] + MASK + s[ind.end :]
        removed[ind.kind] += 1

    # 2. names after a role word, and after 姓名/名叫
    def name(m: re.Match[str]) -> str:
        removed["name"] += 1
        return f"{m.group(1)}{m.group(2)}{m.group(3)}某"

    s = _NAME_AFTER_CUE.sub(name, s)
    s = _NAME_FIELD.sub(name, s)
    # 3. ages and exact dates and times
    s, n = _AGE.subn("", s)
    removed["age"] += n
    s, n = _DATE.subn("近日", s)
    removed["date"] += n
    s = re.sub(r"(近日[，,]?\s*){2,}", "近日", s)
    # 4. addresses down to the district

    def district(m: re.Match[str]) -> str:
        removed["address"] += 1
        return m.group(1)

    s = _ADDRESS.sub(district, s)
    # 5. the tail digits of a card or phone ("尾号6617") identify it too
    s, n = _TAIL.subn(lambda m: m.group(1) + MASK, s)
    removed["card_tail"] += n
    # 6. amounts in words, rounded
    s, n = _MONEY.subn(_amount, s)
    removed["amount"] += n
    # 7. what digits remain: a small count in words, a long run masked
    def rest(m: re.Match[str]) -> str:
        raw = m.group(0)
        if "." in raw or len(raw) > 4:
            removed["digits"] += 1
            return MASK
        return _cn_int(int(raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))))

    s = _DIGITS.sub(rest, s)
    s = re.sub(f"(?:{re.escape(MASK)}[\\s,，、]*){{2,}}", MASK, s)
    return Anonymized(s, Counter({k: v for k, v in removed.items() if v}))
