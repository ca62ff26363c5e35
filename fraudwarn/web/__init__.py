"""The local web workbench and JSON API (``fraudwarn serve``, extra ``[web]``).

A thin layer: every verdict, file read and warning comes from the library
(:mod:`fraudwarn.predict`, :mod:`fraudwarn.batch.run`, :mod:`fraudwarn.notices.render`).
"""
