"""Chinese fonts (中文字体) for charts and PDFs, found on the machine — nothing is downloaded.

A report is useless with tofu boxes (□) where the Chinese should be. Charts (matplotlib) and PDFs
(reportlab) need a font file with CJK glyphs; Word documents only name fonts (宋体/黑体 for East
Asian text) and let Word or LibreOffice pick the installed one.

Search order: ``HEALTHPLAN_CJK_FONT`` (a path), fontconfig (``fc-list :lang=zh``), then the usual
places of WenQuanYi Zen Hei / Micro Hei (Debian ``fonts-wqy-zenhei``), Noto Sans CJK, Source Han,
and the Windows and macOS system fonts. reportlab can embed only TrueType outlines (.ttf, or .ttc
collections of TrueType faces), not the CFF outlines of Noto Sans CJK .otf/.ttc; matplotlib reads both.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import warnings
from functools import lru_cache
from pathlib import Path

INSTALL_HINT = ("未找到中文字体，图表和PDF中的汉字将无法显示。请安装中文字体，例如 Debian/Ubuntu："
                "apt-get install fonts-wqy-zenhei（No CJK font found: install fonts-wqy-zenhei）")

# Preferred families first: plain sans faces that cover GB 2312 and more.
PREFERRED = ["WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
             "Source Han Sans CN", "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC",
             "Heiti SC", "STHeiti", "Noto Serif CJK SC", "AR PL UMing CN", "AR PL UKai CN", "SimSun"]

KNOWN_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
]

SAMPLE = "中期评估报告示例数据达标进度滞后逆向卫生健康规划每千人口床位数"


def _fc_list() -> list[tuple[str, str]]:
    """(file, family) of every face fontconfig says covers Chinese."""
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        if ":" not in line:
            continue
        path, _, family = line.partition(":")
        found.append((path.strip(), family.strip().split(",")[0]))
    return found


def _rank(path: str, family: str = "") -> int:
    name = (family + " " + Path(path).name).lower()
    for i, pref in enumerate(PREFERRED):
        if pref.lower() in name or pref.lower().replace(" ", "") in name.replace(" ", "").replace("-", ""):
            return i
    if "wqy" in name:
        return 0
    if "notosanscjk" in name.replace("-", "").replace(" ", ""):
        return 2
    return len(PREFERRED)


@lru_cache(maxsize=1)
def cjk_font_files() -> tuple[str, ...]:
    """Font files with Chinese glyphs on this machine, best first."""
    candidates: list[tuple[int, str]] = []
    env = os.environ.get("HEALTHPLAN_CJK_FONT")
    if env and Path(env).is_file():
        candidates.append((-1, env))
    for path, family in _fc_list():
        candidates.append((_rank(path, family), path))
    for pattern in KNOWN_PATHS:
        for path in glob.glob(pattern):
            candidates.append((_rank(path), path))
    seen, out = set(), []
    for _, path in sorted(candidates, key=lambda c: c[0]):
        if path not in seen and Path(path).is_file() and not path.lower().endswith((".pcf", ".pcf.gz", ".bdf")):
            seen.add(path)
            out.append(path)
    return tuple(out)


def _covers(path: str, text: str = SAMPLE) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
        return all(font.get_char_index(ord(c)) for c in text)
    except Exception:  # noqa: BLE001 - a damaged or unreadable font file is skipped
        return False


@lru_cache(maxsize=1)
def matplotlib_family() -> str | None:
    """Register the best CJK font with matplotlib and return its family name (None: none found)."""
    from matplotlib import font_manager

    for path in cjk_font_files():
        if not _covers(path):
            continue
        try:
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
        except Exception:  # noqa: BLE001
            continue
        return name
    warnings.warn(INSTALL_HINT, stacklevel=2)
    return None


def configure_matplotlib() -> str | None:
    """Use the CJK font for every chart; minus signs as ASCII (the CJK font may lack U+2212)."""
    import logging

    import matplotlib

    # WenQuanYi Zen Hei has only a "medium" weight: matplotlib would log a warning for every text
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    matplotlib.use("Agg", force=False)
    family = matplotlib_family()
    import matplotlib.pyplot as plt  # noqa: F401 - after the backend is chosen

    if family:
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"
    return family


REPORTLAB_NAME = "HealthplanCJK"


@lru_cache(maxsize=1)
def reportlab_font() -> tuple[str, str | None]:
    """Register a CJK TrueType font with reportlab: (font name, file embedded).

    Without any TrueType CJK font, reportlab's built-in ``STSong-Light`` CID font is used: readable
    in Acrobat and poppler (they supply the glyphs) but not embedded, so a warning is given.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for path in cjk_font_files():
        if not _covers(path):
            continue
        for index in (0, 1, 2):
            try:
                font = TTFont(REPORTLAB_NAME, path, subfontIndex=index) if path.lower().endswith(".ttc") \
                    else TTFont(REPORTLAB_NAME, path)
                pdfmetrics.registerFont(font)
                return REPORTLAB_NAME, path
            except Exception:  # noqa: BLE001 - CFF outlines (Noto .otf/.ttc) cannot be embedded
                if not path.lower().endswith(".ttc"):
                    break
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    warnings.warn(INSTALL_HINT, stacklevel=2)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light", None


# Word: fonts are named, not embedded. 宋体 for body text and 黑体 for headings are on every Chinese
# Windows; LibreOffice maps them to an installed CJK font through fontconfig.
DOCX_BODY_EAST_ASIA = "宋体"
DOCX_HEADING_EAST_ASIA = "黑体"
DOCX_LATIN = "Times New Roman"
