"""The words of the trace report, in English and Chinese.

The report is written by the core (the CLI and the desktop app file the same document), so its
sentences live here and not in the desktop's Qt catalog. Each entry is a key and its text per
language; :func:`say` fills in the values. The evidence sentences follow the keys of
``masking.watermark.trace.EVIDENCE_TEXTS`` (a test checks that every key has words here).
"""

from __future__ import annotations

import math

from masking.languages import CHINESE, Language
from masking.plurals import choose_plurals

# key -> (English, Chinese)
_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("ExportGuard trace report", "数据外发卫士 溯源报告"),
    "facts": ("About this report", "报告信息"),
    "created": ("Date of the report", "报告时间"),
    "investigator": ("Investigator", "调查人"),
    "leaked": ("Leaked data", "泄露的数据"),
    "leaked_sha256": ("SHA-256 of the leaked data", "泄露数据的 SHA-256"),
    "pasted": ("rows pasted into the app ({rows} lines of text)", "粘贴进软件的数据（{rows} 行文字）"),
    "rows_read": ("Rows compared", "比对的行数"),
    "rows_read_value": ("{rows} {rows|row|rows} of the leaked data carried something the watermark can read",
                        "泄露数据中有 {rows} 行带有可识别水印的内容"),
    "exports_tested": ("Exports compared", "比对的外发记录"),
    "exports_tested_value": ("{count} {count|export|exports} in this workstation's audit ledger",
                             "本机审计账本中的 {count} 次外发"),
    "exports_tested_service": ("{count} {count|export|exports} from every workstation, held by the security "
                               "office's evidence service", "安全办证据服务保存的全部工作站的 {count} 次外发"),
    "evidence_source": ("Evidence source", "证据来源"),
    "source_ledger": ("this workstation's audit ledger", "本机审计账本"),
    "source_service": ("the security office's evidence service at {url}", "安全办证据服务（{url}）"),
    "conclusion": ("Conclusion", "结论"),
    "confidence": ("Confidence: {summary}", "可信度：{summary}"),
    "level_with_chance": ("{level} ({chance})", "{level}（{chance}）"),
    "named": ("This data comes from export {export_id}, made on {time} by {user} for {recipient}"
              " (purpose: {purpose}).",
              "这份数据来自 {time} 由员工 {user} 发给「{recipient}」的外发（编号 {export_id}，用途：{purpose}）。"),
    "named_short": ("This data comes from export {export_id} for {recipient}.",
                    "这份数据来自发给「{recipient}」的外发（编号 {export_id}）。"),
    "also_named": ("The evidence also names export {export_id} for {recipient}: the data may have passed through "
                   "both.", "证据同时指向发给「{recipient}」的外发（编号 {export_id}）：这份数据可能经过了两者。"),
    "not_named": ("No export can be named: the evidence is not strong enough.",
                  "不能认定来源：现有证据不足。"),
    "rows_needed": ("About {rows} more {rows|row|rows} of the leaked data from the same source would likely be "
                    "enough.",
                    "如能再提供约 {rows} 行同一来源的泄露数据，很可能足以认定。"),
    "no_match": ("No export in the ledger matches this data.", "账本中没有任何外发与这份数据相符。"),
    "meaning": ("The chance of error is the probability that an export which did NOT produce this data would "
                "still show this much evidence, allowing for the {count} {count|export|exports} compared.",
                "误判概率是指：一次并非泄露来源的外发，仍然碰巧呈现这么多证据的概率；"
                "计算时已考虑比对过的全部 {count} 次外发。"),
    "evidence_heading": ("Evidence for export {export_id} ({recipient})", "外发 {export_id}（{recipient}）的证据"),
    "other_heading": ("Other exports compared", "其他比对过的外发"),
    "other_line": ("Export {export_id} for {recipient}, {time}: {level}.",
                   "{time} 发给「{recipient}」的外发 {export_id}：{level}。"),
    "record_heading": ("The ledger record of export {export_id}", "外发 {export_id} 的账本记录"),
    "record_missing": ("This workstation's ledger has no record of export {export_id}.",
                       "本机账本中没有外发 {export_id} 的记录。"),
    "record_missing_service": ("The evidence service sent no verifiable record of export {export_id}.",
                               "证据服务没有提供外发 {export_id} 的可校验记录。"),
    "no_match_service": ("No export held by the evidence service matches this data.",
                         "证据服务保存的外发中没有任何一次与这份数据相符。"),
    "record_position": ("Record", "记录"),
    "record_position_value": ("no. {seq} of workstation {workstation}", "工作站 {workstation} 的第 {seq} 条"),
    "record_time": ("Exported on", "外发时间"),
    "record_user": ("Employee", "员工"),
    "record_recipient": ("Recipient", "接收方"),
    "record_purpose": ("Purpose", "用途"),
    "record_rows": ("Rows", "行数"),
    "record_input": ("SHA-256 of the source file", "源文件 SHA-256"),
    "record_output": ("SHA-256 of the exported file", "外发文件 SHA-256"),
    "record_policy": ("Policy", "外发策略"),
    "policy_signed": ("{version}, signed by the security office ({signer}); SHA-256 {sha256}",
                      "{version}，安全办签发（{signer}）；SHA-256 {sha256}"),
    "policy_local": ("{version}, a local policy NOT signed by the security office; SHA-256 {sha256}",
                     "{version}，本机策略，未经安全办签名；SHA-256 {sha256}"),
    "policy_builtin": ("{version}, the built-in default (not signed by the security office)",
                       "{version}，内置默认策略（未经安全办签名）"),
    "policy_unknown": ("not recorded (an export made before policies were recorded)", "未记录（较早的导出记录）"),
    "record_hash": ("SHA-256 of the ledger record", "账本记录的 SHA-256"),
    "record_chain": ("The record is chained to the one before it and authenticated with the ledger key; "
                     "the command exportguard audit verify checks the whole chain.",
                     "这条记录与前一条记录以哈希相连，并由账本密钥认证；命令 exportguard audit verify 可校验整条链。"),
    "notes": ("Technical notes", "技术说明"),
    "none": ("(none)", "（无）"),
    "page": ("Page {page}", "第 {page} 页"),
    # confidence levels
    "level_extreme": ("extremely high", "极高"),
    "level_very_high": ("very high", "很高"),
    "level_high": ("high", "高"),
    "level_weak": ("some evidence, not enough to name", "有迹象，不足以认定"),
    "level_none": ("no evidence", "无有效证据"),
    "chance_at_most": ("chance of error at most {chance}", "误判概率不超过{chance}"),
    "chance_about": ("chance of error about {percent}%", "误判概率约 {percent}%"),
    # watermark layers
    "layer_membership": ("Identifiers carried", "携带的标识"),
    "layer_tokens": ("Recipient-specific pseudonyms", "按接收方生成的假名"),
    "layer_marks": ("Hidden row marks", "隐藏的行标记"),
    "layer_canaries": ("Canary rows", "诱饵行"),
    "layer_readings": ("Marked readings", "带标记的读数"),
    "layer_visible": ("Visible watermark", "可见水印"),
    "layer_metadata": ("Document properties", "文档属性"),
    # evidence, by the keys of masking.watermark.trace.EVIDENCE_TEXTS
    "ev_canary_row": ("Row {row} of the leaked data is fictitious customer no. {canary}, planted only in this "
                      "export.", "泄露数据的第 {row} 行是第 {canary} 号虚构客户（诱饵），只放在这次外发中。"),
    "ev_membership": ("{rows} of the {total} leaked rows hold identifiers that this export contained.",
                      "泄露的 {total} 行中有 {rows} 行带有这次外发包含的标识。"),
    "ev_tokens_unique": ("{count} {count|pseudonym or identifier|pseudonyms or identifiers} in the leaked data "
                         "{count|was|were} issued to this export and to no other.",
                         "泄露数据中有 {count} 个假名或标识只发给了这次外发，没有发给任何其他外发。"),
    "ev_tokens_shared": ("{count} {count|pseudonym was|pseudonyms were} also issued to other exports to the same "
                         "recipient: not decisive on their own.",
                         "有 {count} 个假名也发给了同一接收方的其他外发：单凭这一点不能定论。"),
    "ev_marks": ("{matched} of {tested} masked values show the masking pattern keyed to this export; chance alone "
                 "would give about {expected}, and this many matches by chance has a probability of {p}.",
                 "{tested} 个脱敏值中有 {matched} 个呈现这次外发专属的脱敏样式；纯属巧合约为 {expected} 个，"
                 "巧合出现这么多吻合的概率{p}。"),
    "ev_marks_rest": ("Setting aside the masked values that the exports named above account for, {matched} of the "
                      "remaining {tested} show the masking pattern keyed to this export; chance alone would give "
                      "about {expected}, and this many matches by chance has a probability of {p}.",
                      "除去上面已认定的外发能解释的脱敏值，其余 {tested} 个中有 {matched} 个呈现这次外发专属的脱敏"
                      "样式；纯属巧合约为 {expected} 个，巧合出现这么多吻合的概率{p}。"),
    "ev_marks_unexplained": ("{count} of the {total} masked values match none of the exports named here: they were "
                             "altered by hand, or they come from copies of other exports that these rows are too "
                             "few to name. More rows of the leak may name further exports.",
                             "{total} 个脱敏值中有 {count} 个与这里认定的外发都不吻合：它们或是被人为改动过，或是来自"
                             "其他外发的副本，而现有的行数还不足以认定那些外发。取得更多泄露的行可能认定更多外发。"),
    "ev_marks_together": ("{count} exports are named together: the leaked data mixes their copies, as when several "
                          "recipients merge what they received. Each is named on its own evidence, held to the same "
                          "bound as a single export (every export in the ledger counted), so an export that took no "
                          "part is not named with them.",
                          "共有 {count} 次外发被一并认定：泄露数据混合了它们的副本，就像几个接收方把各自收到的数据合并"
                          "在一起。每一次外发都凭自身的证据认定，与单独认定一次外发适用同样的界限（计入账本中的每一次"
                          "外发），因此没有参与的外发不会被一并认定。"),
    "ev_canary_profile": ("{matched} of this export's {tested} fictitious customers (canaries) match rows of the "
                          "leaked data on what survives re-masking and rounding: the keyed last digits of an ID or "
                          "number, the readings, and what each copied from real rows. Chance alone would give about "
                          "{expected}; this many by chance has a probability of {p}.",
                          "这次外发的 {tested} 个虚构客户（诱饵）中有 {matched} 个与泄露数据的行吻合，依据的是重新脱敏"
                          "和取整后仍留下的特征：按密钥生成的证件号或号码末几位、读数，以及各自从真实行沿用的内容。"
                          "纯属巧合约为 {expected} 个，巧合出现这么多吻合的概率为 {p}。"),
    "ev_pool_unique": ("{count} monitored phone {count|number|numbers} in the leaked data {count|was|were} given "
                       "to this export's fictitious customers and to no other export. The office owns these "
                       "numbers: no customer has them.",
                       "泄露数据中有 {count} 个受监控号码只发给了这次外发的虚构客户，没有发给任何其他外发。这些号码"
                       "归本单位所有，不属于任何客户。"),
    "ev_pool_shared": ("{count} monitored phone {count|number|numbers} in the leaked data {count|was|were} given "
                       "to this export and to other exports: they point to that group of {total} exports, not to one.",
                       "泄露数据中有 {count} 个受监控号码既发给了这次外发，也发给了其他外发：它们指向这 {total} 次"
                       "外发，而不是其中某一次。"),
    "ev_reading_marks": ("{matched} of {tested} marked readings in the leaked data show the +1 or -1 keyed to this "
                         "export; chance alone would give about {expected}, and this many by chance has a "
                         "probability of {p}.",
                         "泄露数据中 {tested} 个带标记的读数里有 {matched} 个呈现这次外发专属的加一或减一；纯属巧合"
                         "约为 {expected} 个，巧合出现这么多吻合的概率为 {p}。"),
    "ev_membership_all": ("This export contained every one of the {rows} real customers in the leaked data; "
                          "{total} {total|export|exports} in the ledger contained them all.",
                          "这次外发包含了泄露数据中全部 {rows} 个真实客户；账本中共有 {total} 次外发包含了他们全部。"),
    "ev_visible": ("The text of the leaked data names this export.", "泄露数据的文字中写明了这次外发。"),
    "ev_metadata_authentic": ("The file's document properties name this export, and their signature checks out.",
                              "文件的文档属性写明了这次外发，且签名验证通过。"),
    "ev_metadata_forged": ("The file's document properties name this export, but their signature does NOT check "
                           "out (they may have been copied or forged).",
                           "文件的文档属性写明了这次外发，但签名验证未通过（可能是抄来的或伪造的）。"),
    "p_at_most": ("at most {chance}", "不超过{chance}"),
    "p_about": ("about {percent}%", "约为 {percent}%"),
}

_CHINESE_POWERS = ("", "十", "百", "千", "万", "十万", "百万", "千万", "亿", "十亿", "百亿", "千亿", "万亿")
_ENGLISH_POWERS = ("one", "ten", "a hundred", "a thousand", "ten thousand", "a hundred thousand", "a million",
                   "ten million", "a hundred million", "a billion", "ten billion", "a hundred billion",
                   "a trillion")
SMALLEST = 1e-12  # below this the report says "at most one in a trillion" (double precision ends near here)


def has(key: str) -> bool:
    return key in _TEXTS


def say(language: Language, key: str, **values: object) -> str:
    """The text of ``key`` in ``language`` with ``values`` filled in."""
    english, chinese = _TEXTS[key]
    text = chinese if language == CHINESE else english
    return choose_plurals(text, values).format(**values) if values else text


def one_in(power: int, language: Language) -> str:
    """"one in 10^power" in words: 一万亿分之一, one in a trillion."""
    if language == CHINESE:
        return f"一{_CHINESE_POWERS[power]}分之一"
    return f"one in {_ENGLISH_POWERS[power]}"


def chance_words(p: float, language: Language) -> str:
    """A small probability as people read it: rounded UP to one in a power of ten (never overstated)."""
    if p >= 0.1:
        return say(language, "chance_about", percent=f"{min(p, 1.0) * 100:.0f}")
    power = min(12, math.floor(-math.log10(max(p, SMALLEST)) + 1e-9))
    return say(language, "chance_at_most", chance=one_in(power, language))


def probability_words(p: float, language: Language) -> str:
    """The same rounding, for a probability inside a sentence ("at most one in a million")."""
    if p >= 0.1:
        return say(language, "p_about", percent=f"{min(p, 1.0) * 100:.0f}")
    power = min(12, math.floor(-math.log10(max(p, SMALLEST)) + 1e-9))
    return say(language, "p_at_most", chance=one_in(power, language))


def grouped(number: int) -> str:
    """Digit grouping the way both languages print counts in documents: 12,345."""
    return f"{number:,}"
