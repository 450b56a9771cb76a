"""``healthplan serve`` and ``healthplan user add``: added to the main command by :func:`register`."""

from __future__ import annotations

import secrets

import typer
from rich.console import Console

from ..errors import HealthplanError

err = Console(stderr=True)
DB_HELP = "数据库（默认 HEALTHPLAN_DATABASE_URL 或 ./healthplan.db）"


def _fail(error: HealthplanError) -> None:
    err.print(f"[bold red]错误[/]：{error.message()}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _store(db: str | None):
    from ..store import Store

    try:
        return Store(db)
    except Exception as e:  # noqa: BLE001 - a wrong URL, a server that does not answer
        err.print(f"[bold red]错误[/]：无法打开数据库（{type(e).__name__}: {e}）", highlight=False)
        raise typer.Exit(2) from e


def ensure_admin(store) -> str | None:
    """With no user at all, an ``admin`` with a random password (returned once, to be printed)."""
    from sqlalchemy import select

    from ..store import models as m
    from .users import add_user

    with store.session() as s:
        if s.scalars(select(m.User.id)).first() is not None:
            return None
        password = secrets.token_urlsafe(12)
        add_user(s, "admin", password, "administrator", None)
        return password


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认仅本机）"),
    port: int = typer.Option(8000, "--port", help="端口"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="仅通过 HTTPS 发送会话 Cookie（部署在 TLS 之后时开启）"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="工作进程数（多核服务器可设为CPU核数）"),
) -> None:
    """启动网页端（FastAPI + uvicorn），与命令行使用同一个数据库。"""
    import uvicorn

    from . import create_app

    store = _store(db)
    password = ensure_admin(store)
    if password:
        err.print(f"尚无用户，已创建管理员 [bold]admin[/]，初始密码：[bold]{password}[/]（只显示这一次，请登录后妥善保管；"
                  "可用 healthplan user add 添加其他用户）", highlight=False)
    err.print(f"网页端：http://{host}:{port}/    数据库：{store.url}", highlight=False)
    if workers > 1:  # separate processes: the database and one signing key shared through the environment
        import os

        os.environ["HEALTHPLAN_DATABASE_URL"] = store.url
        os.environ.setdefault("HEALTHPLAN_SECRET_KEY", secrets.token_urlsafe(48))
        if secure_cookies:
            os.environ["HEALTHPLAN_SECURE_COOKIES"] = "1"
        store.close()
        uvicorn.run("healthplan.web.asgi:create", factory=True, host=host, port=port, workers=workers,
                    log_level="info")
        return
    app = create_app(store, secure_cookies=secure_cookies or None, shared_login_limit=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        store.close()


user_app = typer.Typer(help="网页端用户管理。", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(..., "--role", help="administrator | province_analyst | region_editor | viewer"),
    region: str | None = typer.Option(None, "--region", help="所属地区（名称、名称的一部分或行政区划代码）；管理员可不填"),
    password: str = typer.Option(..., "--password", prompt="密码", hide_input=True, confirmation_prompt=True,
                                 envvar="HEALTHPLAN_NEW_PASSWORD", help="密码（不填则提示输入）"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """添加网页端用户：角色与所属地区（地区填报员只能读写本地区及下级地区）。"""
    from ..store.exchange import find_region
    from .users import ROLE_ZH, add_user

    store = _store(db)
    try:
        with store.session() as s:
            unit = find_region(s, region) if region else None
            user = add_user(s, name, password, role, unit.id if unit else None)
            where = unit.name if unit else "全部地区"
            err.print(f"已添加用户 {user.username}（{ROLE_ZH[user.role]}，{where}）", highlight=False)
    except HealthplanError as e:
        _fail(e)
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
