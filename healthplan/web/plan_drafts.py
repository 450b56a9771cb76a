"""Uploaded plan documents awaiting review (待核对的规划草稿): ingest, keep, save.

A draft is the plan read from an uploaded file, kept server-side until its uploader saves or discards it:
two files in the draft folder, ``<token>.json`` (the plan as extracted and as corrected, the source lines,
the owner) and ``<token>.bin`` (the uploaded bytes, whose hash versions an uncorrected plan exactly as
the command line does). The token is random; a draft belongs to one user of one store. Drafts untouched
for a day are removed. The folder is ``app.state.draft_dir``, else ``HEALTHPLAN_DRAFT_DIR``, else a folder in
the system's temp directory: one server (or several workers of one host) share it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import HealthplanError
from ..ingest import extract_plan, read_document
from ..plan import Plan as PlanDoc
from ..store import models as m
from ..store.plans import ensure_org_unit, load_plan
from .data import MAX_UPLOAD, forbidden, not_found
from .users import Principal, subtree

log = logging.getLogger(__name__)
TTL = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class UploadRejected(Exception):
    """The file cannot be read as a plan (or is too large): ``status`` and the message in both languages."""

    def __init__(self, status: int, zh: str, en: str):
        self.status, self.zh, self.en = status, zh, en
        super().__init__(zh)

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class Draft:
    """One pending upload: ``plan`` is the corrected contract, ``original`` the one as extracted."""

    token: str
    user_id: int
    store_key: str
    created: float
    file_name: str
    sha256: str
    unit_name: str
    unit_code: str | None
    plan: dict
    original: dict
    lines: list[str]

    @property
    def corrected(self) -> bool:
        return self.plan != self.original


def may_upload(who: Principal) -> bool:
    """Who may upload plans at all: an administrator, or a region editor (for its own subtree)."""
    return who.is_admin or who.role == "region_editor"


def folder(configured: str | os.PathLike | None = None) -> Path:
    root = Path(configured or os.environ.get("HEALTHPLAN_DRAFT_DIR")
                or Path(tempfile.gettempdir()) / "healthplan-drafts")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def store_key(store) -> str:
    """Which store a draft belongs to (user ids are per store)."""
    return hashlib.sha256(str(store.url).encode()).hexdigest()[:16]


# --- reading an upload ---------------------------------------------------------------------------

def safe_name(filename: str | None) -> str:
    """The file's own name, without any folder a browser sent along."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return (name or "upload.txt")[-200:]


def ingest_upload(filename: str, data: bytes):
    """(document, plan) read from the uploaded bytes with the product's readers; UploadRejected if not."""
    if len(data) > MAX_UPLOAD:
        raise UploadRejected(413, f"文件过大（上限{MAX_UPLOAD // 1024 // 1024} MB）。",
                             f"The file is too large (at most {MAX_UPLOAD // 1024 // 1024} MB).")
    suffix = Path(filename).suffix
    suffix = suffix if SAFE_SUFFIX.match(suffix) else (".unknown" if suffix else "")
    with tempfile.TemporaryDirectory(prefix="healthplan-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            doc = read_document(path, filename)
            return doc, extract_plan(doc)
        except HealthplanError as e:
            raise UploadRejected(422, e.message("zh"), e.message("en")) from e
        except Exception as e:  # noqa: BLE001 - any reader failure on a foreign file is the file's fault
            log.exception("reading the uploaded plan %s failed", filename)
            raise UploadRejected(422, f"{filename}：无法读取该文件（{type(e).__name__}）。请确认它是有文字内容的"
                                      f" .txt、.docx、.pdf 或 .html 规划文件。",
                                 f"{filename}: the file cannot be read ({type(e).__name__}). Upload a .txt, .docx, "
                                 f".pdf or .html plan document with text.") from e


# --- the plan's region, resolved as load_plan resolves it ------------------------------------------

def may_write_unit(s: Session, who: Principal, unit_id: int) -> bool:
    """Principal.can_write with the scope read again (a unit load_plan has just created counts too)."""
    if who.is_admin:
        return True
    return who.role == "region_editor" and who.org_unit_id is not None and unit_id in subtree(s, who.org_unit_id)


def region_of(s: Session, who: Principal, doc: PlanDoc) -> m.OrgUnit:
    """The org unit load_plan stores the plan under (created in ``s`` when new); 422 / 403 when not allowed."""
    if not doc.region:
        raise HTTPException(422, detail="未能从文件中识别规划所属地区（标题或正文应写明地区名称），无法入库。"
                                        " / The plan's region could not be found in the document.")
    unit = ensure_org_unit(s, doc.region_code, doc.region, doc.level)
    if not may_write_unit(s, who, unit.id):
        mine = who.org_unit_name or "—"
        raise HTTPException(403, detail=f"无权上传：该文件是“{unit.name}”的规划，您的账号只能上传本地区（{mine}）"
                                        f"及下辖地区的规划。 / Forbidden: this is {unit.name}'s plan; you may "
                                        f"upload plans of {mine} and the units below it only.")
    return unit


def check_region(store, who: Principal, doc: PlanDoc) -> tuple[str, str | None]:
    """(name, code) of the plan's region if the user may write it; nothing is created (rolled back)."""
    with store.sessions() as s:
        try:
            unit = region_of(s, who, doc)
            return unit.name, unit.code
        finally:
            s.rollback()


# --- keeping drafts --------------------------------------------------------------------------------

def create(store, who: Principal, filename: str, data: bytes, where: Path) -> Draft:
    """Read the upload, check its region, keep it as a draft of ``who``."""
    if not may_upload(who):
        raise forbidden()
    filename = safe_name(filename)
    doc, plan = ingest_upload(filename, data)
    unit_name, unit_code = check_region(store, who, plan)
    contract = plan.contract()
    draft = Draft(token=secrets.token_urlsafe(24), user_id=who.id, store_key=store_key(store), created=time.time(),
                  file_name=filename, sha256=hashlib.sha256(data).hexdigest(), unit_name=unit_name,
                  unit_code=unit_code, plan=contract, original=contract, lines=list(doc.lines))
    purge(where)
    _write(where / f"{draft.token}.bin", data)
    write(where, draft)
    return draft


def write(where: Path, draft: Draft) -> None:
    _write(where / f"{draft.token}.json", json.dumps(asdict(draft), ensure_ascii=False).encode("utf-8"))
    try:  # the uploaded bytes live as long as the draft
        os.utime(where / f"{draft.token}.bin")
    except FileNotFoundError:
        pass


def _write(path: Path, body: bytes) -> None:
    """Write whole or not at all (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(body)
    os.replace(tmp, path)


def get(store, who: Principal, token: str, where: Path) -> Draft:
    """The draft, when it exists and is the user's (404 unknown or expired, 403 someone else's)."""
    path = where / f"{token}.json"
    if not TOKEN.match(token) or not path.is_file():
        raise not_found()
    try:
        draft = Draft(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as e:
        raise not_found() from e
    if draft.store_key != store_key(store) or time.time() - path.stat().st_mtime > TTL:
        raise not_found()
    if draft.user_id != who.id:
        raise forbidden()
    return draft


def discard(where: Path, token: str) -> None:
    for suffix in (".json", ".bin"):
        (where / f"{token}{suffix}").unlink(missing_ok=True)


def purge(where: Path) -> None:
    """Remove drafts (and stray temp files) untouched for a day."""
    limit = time.time() - TTL
    for path in where.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


# --- saving ----------------------------------------------------------------------------------------

def save(store, who: Principal, draft: Draft, where: Path) -> tuple[int, int, bool]:
    """Store the (corrected) plan with load_plan: (plan id, version, whether a new version was made).

    Uncorrected, the uploaded bytes version it (the same file again → the stored version); corrected, the
    corrected plan JSON does, so a correction always gives a new version. One transaction; the draft is
    removed only after it committed.
    """
    doc = PlanDoc.model_validate(draft.plan)
    data = None if draft.corrected else (where / f"{draft.token}.bin").read_bytes()
    with store.session() as s:
        unit = region_of(s, who, doc)
        before = set(s.scalars(select(m.Plan.id).where(m.Plan.org_unit_id == unit.id)))
        plan = load_plan(s, doc, data, user=who.username)
        out = (plan.id, plan.version, plan.id not in before)
    discard(where, draft.token)
    return out
