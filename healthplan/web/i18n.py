"""The web app's words (界面文字): Chinese by default, English with ``?lang=en`` (kept in a cookie)."""

from __future__ import annotations

LANGS = ("zh", "en")
MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("卫生健康规划监测", "Health plan monitoring"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "bad_login": ("用户名或密码不正确。", "Wrong user name or password."),
    "too_many": ("登录失败次数过多，请5分钟后再试。", "Too many failed sign-ins; try again in 5 minutes."),
    "regions": ("地区与规划", "Regions and plans"),
    "region": ("地区", "Region"),
    "plan": ("规划", "Plan"),
    "period": ("规划期", "Period"),
    "version": ("版本", "Version"),
    "unpublished": ("未发布", "unpublished"),
    "no_plan": ("无规划", "no plan"),
    "year": ("年份", "Year"),
    "domain": ("领域", "Domain"),
    "property": ("指标性质", "Type"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "baseline": ("基期值", "Baseline"),
    "target": ("目标值", "Target"),
    "value": ("数值", "Value"),
    "status": ("评估", "Status"),
    "expected": ("序时进度", "Expected"),
    "explanation": ("说明", "Explanation"),
    "save": ("保存", "Save"),
    "saved": ("已保存。", "Saved."),
    "example_banner": ("示例数据：本页部分数值为演示用的示例数据，并非真实统计数据。",
                       "Example data: some figures on this page are made up for the demo, not real statistics."),
    "binding_first": ("约束性指标排在最前。", "Binding indicators come first."),
    "summary": ("汇总", "Summary"),
    "download_report": ("下载评估报告（Word）", "Download the report (Word)"),
    "report_kind": ("报告类型", "Report"),
    "monitoring": ("年度监测", "Annual monitoring"),
    "midterm": ("中期评估", "Mid-term evaluation"),
    "final": ("终期评估", "Final evaluation"),
    "upload": ("上传填报模板（Excel）", "Upload the data template (Excel)"),
    "upload_btn": ("上传并导入", "Upload and import"),
    "template": ("下载填报模板", "Download the data template"),
    "import_ok": ("导入成功：新增{inserted}条，更新{updated}条，未变{unchanged}条。",
                  "Imported: {inserted} new, {updated} updated, {unchanged} unchanged."),
    "import_rejected": ("导入被拒绝，数据库未作任何修改。请改正以下每一处问题后重新上传：",
                        "Import rejected; nothing was written. Correct every problem below and upload again:"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "trend": ("趋势与序时进度", "Trend and the path to target"),
    "observed": ("实际值", "Observed"),
    "path": ("序时进度线", "Path to target"),
    "data": ("数据", "Data"),
    "history": ("修改记录", "History"),
    "when": ("时间", "When"),
    "who": ("用户", "Who"),
    "action": ("操作", "Action"),
    "old": ("原值", "Old"),
    "new": ("新值", "New"),
    "source": ("来源", "Source"),
    "example": ("示例", "example"),
    "back_to_plan": ("返回规划", "Back to the plan"),
    "read_only": ("只读", "read only"),
    "forbidden": ("无权访问：您的账号无权查看或修改该地区的数据。", "Forbidden: your account may not see or change this region's data."),
    "not_found": ("页面或数据不存在。", "Not found."),
    "csrf": ("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。", "The form expired or came from elsewhere (CSRF check failed); reload and retry."),
    "error": ("出错了", "Error"),
    "lang_switch": ("English", "中文"),
    "role": ("角色", "Role"),
    "no_rows": ("该规划没有地区级指标。", "This plan has no region-level indicators."),
    "achieved": ("已达标", "Achieved"),
    "on_track": ("进度正常", "On track"),
    "behind": ("进度滞后", "Behind"),
    "off_track": ("逆向", "Off track"),
    "not_assessable": ("无法评估", "Not assessable"),
    "约束性": ("约束性", "binding"),
    "预期性": ("预期性", "expected"),
    "insert": ("新增", "insert"),
    "update": ("修改", "update"),
    "delete": ("删除", "delete"),
    "edit_hint": ("在“{year}年数值”列直接修改并保存；若他人已先修改，将提示冲突。",
                  "Edit the {year} value in place; if someone changed it first you are told so."),
}


def pick_lang(query: str | None, cookie: str | None) -> str:
    for lang in (query, cookie):
        if lang in LANGS:
            return lang
    return "zh"


def translator(lang: str):
    idx = 1 if lang == "en" else 0

    def t(key: str, **kw) -> str:
        pair = MESSAGES.get(key)
        text = pair[idx] if pair else key
        return text.format(**kw) if kw else text

    return t
