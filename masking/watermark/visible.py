"""The visible and metadata layers: page header/footer, a notice sheet, and MAC'd document properties.

These are the cheapest layers (a recipient can delete them); they tell every honest reader that the
copy is traceable, and the MAC over the export id lets the security office prove that properties
found in a leaked file were written by ExportGuard for that export, not typed in by someone else.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from masking.crypto import hmac_sha256

HEADER_LIMIT = 255  # Excel's limit for a header or footer, control codes included
PROPERTY_PREFIX = "ExportGuard."


@dataclass(frozen=True)
class VisibleMark:
    watermark_id: str
    header: str
    footer: str
    notice_title: str
    notice_rows: tuple[tuple[str, str], ...]
    properties: dict[str, str]
    title: str


_NOTICE_ZH = ("本文件由数据外发卫士（ExportGuard）生成。敏感信息已按单位政策处理，"
              "每一份外发副本都带有可追溯的标记：如发生泄露，可据此追查到本次导出及其接收方。")
_NOTICE_EN = ("This copy was produced by ExportGuard. Personal data in it is protected under the organisation's "
              "policy, and the copy is traceable to this export and its recipient.")
# The fixed texts of the notice sheet's rows: a row holding one is the notice's, no customer's (trace).
NOTICE_TEXTS = frozenset({"项目 Item", "内容 Content", "导出编号 Export ID", "接收方 Recipient", "用途 Purpose",
                          "导出日期 Date (UTC)", "说明 Notice", "校验 Mark", _NOTICE_ZH, _NOTICE_EN})


def watermark_mac(watermark_key: bytes, export_id: str) -> str:
    return hmac_sha256(watermark_key, f"exportguard/export-id/{export_id}".encode()).hex()[:32]


def mark_is_authentic(watermark_key: bytes, export_id: str, mac: str) -> bool:
    return hmac.compare_digest(watermark_mac(watermark_key, export_id), mac)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def visible_mark(export_id: str, recipient: str, purpose: str, when: dt.datetime, watermark_key: bytes) -> VisibleMark:
    """The texts and properties of the visible and metadata layers of one export."""
    date = when.astimezone(dt.UTC).strftime("%Y-%m-%d")
    mac = watermark_mac(watermark_key, export_id)
    who = _fit(recipient.strip() or "未指明", 60)
    header = _fit(f"外发副本 仅供 {who} 使用 · 编号 {export_id} · 本副本可追溯", 200)
    footer = _fit(f"数据外发卫士 ExportGuard · {export_id} · {date} · 请勿转发或复制给他人", 200)
    rows = (
        ("项目 Item", "内容 Content"),
        ("导出编号 Export ID", export_id),
        ("接收方 Recipient", recipient),
        ("用途 Purpose", purpose),
        ("导出日期 Date (UTC)", date),
        ("说明 Notice", _NOTICE_ZH),
        ("", _NOTICE_EN),
        ("校验 Mark", mac),
    )
    properties = {
        PROPERTY_PREFIX + "ExportId": export_id,
        PROPERTY_PREFIX + "Recipient": _fit(recipient, 200),
        PROPERTY_PREFIX + "Date": date,
        PROPERTY_PREFIX + "Mark": mac,
    }
    return VisibleMark(mac, header, footer, "外发说明", rows, properties, f"外发副本 {export_id}")
