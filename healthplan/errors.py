"""Errors a user sees: one message in Chinese, with English, naming the file and place."""

from __future__ import annotations


class HealthplanError(Exception):
    """Base class: ``zh`` and ``en`` messages, the file and the place (line, cell) concerned."""

    def __init__(self, zh: str, en: str, file: str | None = None, where: str | None = None):
        self.zh, self.en, self.file, self.where = zh, en, file, where
        super().__init__(self.message())

    def message(self, lang: str = "zh") -> str:
        place = ""
        if self.file:
            place = f"{self.file}"
            if self.where:
                place += f"（{self.where}）" if lang == "zh" else f" ({self.where})"
            place += "：" if lang == "zh" else ": "
        if lang == "en":
            return f"{place}{self.en}"
        return f"{place}{self.zh}（{self.en}）"


class IngestError(HealthplanError):
    """A document that cannot be read as a plan (文档无法读取为规划)."""
