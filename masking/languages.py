"""The languages the core writes documents for people in (the trace report), named as the desktop's
catalogs name them. A module of its own, with nothing else in it, so that the command line can offer
them (``trace --language``) without loading the report at every command's start-up."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "zh_CN"]
ENGLISH: Language = "en"
CHINESE: Language = "zh_CN"
LANGUAGES: tuple[Language, ...] = (ENGLISH, CHINESE)
