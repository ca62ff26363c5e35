"""Regular expressions shared by normalisation (placeholders) and indicator extraction.

Kept apart from the functions that use them, as textacy does, so both modules agree
on what a URL or a phone number is. ``\\d`` is deliberate: it also matches full-width
digits, so extraction works on the raw text as well as on normalised text.
"""

from __future__ import annotations

import re

_TLDS = (
    "com|cn|net|org|top|cc|xyz|vip|me|io|info|app|shop|club|site|online|co|hk|tk|ml|link|ltd|"
    "pro|icu|fun|ink|wang|life|live|store|tech|cloud|asia|biz|mobi|win|bid|work|loan|cash|gov|edu"
)
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%]"

URL = re.compile(
    rf"(?:(?:https?|ftp)://|www\.){_URL_CHARS}+"
    rf"|(?<![A-Za-z0-9@.])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,61}}[A-Za-z0-9])?\.)+(?:{_TLDS})\b"
    rf"(?::\d{{2,5}})?(?:/{_URL_CHARS}*)?",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")

# Chinese bank cards are 16-19 digits, often written in groups of four.
BANK_CARD = re.compile(r"(?<!\d)(?:62|4\d|5[1-5]|3[57]|6\d)\d{2}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?(?!\d)")

PHONE = re.compile(
    r"(?<![\d])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"  # mobile
    r"|(?<![\d])(?:400|800)[ -]?\d{3}[ -]?\d{4}(?!\d)"  # service lines
    r"|(?<![\d])0\d{2,3}[ -]\d{7,8}(?!\d)"  # landline with area code
    r"|(?<![\d])0(?:10|2\d|[3-9]\d{2})\d{7,8}(?!\d)"
)

# 18-digit resident identity card number (with its date of birth inside).
ID_CARD = re.compile(
    r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
)

# An id after a QQ keyword: qq, 扣扣, 企鹅, q号.
QQ = re.compile(
    r"(?:qq|ｑｑ|扣扣|抠抠|企鹅|q号|Q号)(?:号码?|群)?\s*[:：]?\s*(\d[ ]?(?:\d[ ]?){4,10})(?!\d)", re.I
)

# A WeChat id after a WeChat keyword (微信, 薇信, v信, vx, wx, 加v ...), or a raw wxid_.
WECHAT = re.compile(
    r"(?:微信|薇信|威信|维信|徽信|v信|vx|wx|weixin|wechat|加v|加微|\+v|薇|vx号|微信号)\s*(?:号)?\s*[:：]?\s*"
    r"([A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])"
    r"|\b(wxid_[A-Za-z0-9]{4,24})\b",
    re.I,
)

_NUM_CN = "零〇一二两三四五六七八九十百千万亿"
MONEY = re.compile(
    r"(?:[¥￥$]|rmb|人民币)\s?\d[\d,，]*(?:\.\d+)?\s?(?:万元|万|千元|千|元|块钱|块|w|k|亿)?"
    r"|\d[\d,，]*(?:\.\d+)?\s?(?:万元|万块|万|千元|千块|亿元|亿|元|块钱|块|w(?![a-z])|k(?![a-z])|rmb)"
    rf"|(?<![{_NUM_CN[:-2]}])[{_NUM_CN}]{{1,6}}(?:万元|万块|元|块钱|块)",
    re.I,
)

# Numbers that carry meaning in warnings and are kept as they are.
KEEP_NUMBERS = frozenset({"110", "96110", "12381", "12315", "12345", "120", "119", "122"})
LONG_NUMBER = re.compile(r"\d{5,}")

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Spaces, filler symbols or emoji between two CJK characters: a classic filter-evasion
# trick (刷 单, 加.微.信, 转❤账). Chinese punctuation is not filler and is kept.
_FILLER = r"\s*·•.\-_|/\\~^+=#@&%`'\"♥♡★☆※→←↑↓⭐❤\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F"
FILLER_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[{_FILLER}]{{1,4}}(?=[{CJK}])")
# Whitespace between digits and Chinese characters (日 赚 5 0 0 元).
SPACE_BETWEEN_CJK_DIGITS = re.compile(rf"(?<=[{CJK}0-9])\s+(?=[{CJK}0-9])")
WHITESPACE = re.compile(r"\s+")
