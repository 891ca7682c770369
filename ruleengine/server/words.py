"""The pages' words in each language: their labels and buttons (``WORDS``), and what an
error page says (``ERRORS``). Every word a page shows comes from here, the rule text (its
titles, labels, citations) or the explanation's renderer, in the page's language."""

from __future__ import annotations

WORDS = {
    "en": {
        "rulebooks": "Rulebooks",
        "case": "The case",
        "site": "ruleengine",
        "plugin": "plugin",
        "date_format": "YYYY-MM-DD",
        "details": "Details",
        "details_said": "Details",
        "see_fields": "See the fields marked below.",
        "as_of": "Judge the case as of (YYYY-MM-DD)",
        "explain": "Explain the decision",
        "load": "Load a case (JSON file)",
        "load_button": "Load",
        "save": "Save this case (JSON)",
        "more_row": "Another row",
        "edit": "Change the facts",
        "decided_by": "Provisions that decide it",
        "facts_used": "Facts used",
        "what_changes": "What would change the outcome",
        "ask_changes": "What would change the outcome?",
        "shared": "Shared by every person (a person's own value wins)",
        "add_officials": "Add an official",
        "add_subjects": "Add a person",
        "officials": "Official",
        "subjects": "Person",
        "remove": "Remove",
        "remove_row": "Remove this row",
        "none_changes": "No change of one or two facts moves the outcome.",
        "yes": "yes",
        "no": "no",
        "default": "default",
        "errors": "The case cannot be decided as given:",
        "print": "Print",
        "sep": "; ",
        "list_sep": ", ",
        "print_view": "Print view",
        "print_how": "Print this page with your browser's Print command (Ctrl+P, ⌘P).",
        "back_result": "Back to the result",
        "judged_as_of": "Judged as of",
        "person": "Person",
        "rerun": "re-run with this change",
        "other_lang": "中文",
        "token": "Token",
        "login": "Sign in",
        "back_form": "Back to the form",
        "back_home": "To the list of rulebooks",
    },
    "zh": {
        "rulebooks": "规则集",
        "case": "案件",
        "site": "规则引擎",
        "plugin": "插件",
        "date_format": "年-月-日",
        "details": "详细说明（英文原文，与命令行相同）",
        "details_said": "详细说明（与命令行所说相同）",
        "see_fields": "请看下面标出的字段。",
        "as_of": "判断日期（年-月-日）",
        "explain": "解释决定",
        "load": "载入案件（JSON 文件）",
        "load_button": "载入",
        "save": "保存案件（JSON）",
        "more_row": "再加一行",
        "edit": "修改事实",
        "decided_by": "决定结果的条款",
        "facts_used": "所用事实",
        "what_changes": "什么会改变结果",
        "ask_changes": "什么会改变结果？",
        "shared": "各人员共同的事实（人员自己的值优先）",
        "add_officials": "添加一名人员",
        "add_subjects": "添加一名对象",
        "officials": "人员",
        "subjects": "对象",
        "remove": "删除",
        "remove_row": "删除此行",
        "none_changes": "改变一两项事实都不会改变结果。",
        "yes": "是",
        "no": "否",
        "default": "默认",
        "errors": "按所给事实无法作出决定：",
        "print": "打印",
        "sep": "；",
        "list_sep": "、",
        "print_view": "打印版式",
        "print_how": "请用浏览器的“打印”命令（Ctrl+P 或 ⌘P）打印本页。",
        "back_result": "返回结果",
        "judged_as_of": "判断日期",
        "person": "人员",
        "rerun": "按此改变重新计算",
        "other_lang": "English",
        "token": "令牌",
        "login": "登录",
        "back_form": "返回表单",
        "back_home": "返回规则集列表",
    },
}


#: What an error page says, by the error's kind (``ServiceError.kind``; an HTTP error by its
#: status): a heading, what happened and what to do; ``{limit}``, ``{fields}``,
#: ``{timeout}`` and ``{name}`` are filled in.
ERRORS = {
    "en": {
        "too_large": (
            "The case is too large for this service",
            "This service takes at most {limit} bytes in one request, and a form of at most "
            "{fields} fields; the case sent was larger.",
            "Go back (your browser's Back button keeps what you entered), and leave out rows "
            "or persons the decision does not need, or split the case into several. To take "
            "larger cases, whoever runs the service can start it with a larger --max-body.",
        ),
        "timeout": (
            "The case took too long",
            "This service stops a case after {timeout} seconds; this one took longer.",
            "Go back and try again with fewer acts or persons. To allow longer cases, whoever "
            "runs the service can start it with a larger --timeout.",
        ),
        "busy": (
            "The service is busy",
            "All its threads were computing other cases for the {timeout} seconds this case "
            "waited; it was not started.",
            "Go back and try again in a moment.",
        ),
        "unknown_rulebook": (
            "No such rulebook",
            "This service has no rulebook named “{name}”.",
            "The rulebooks it serves are listed on its first page.",
        ),
        "not_found": (
            "No such page",
            "There is no page at this address.",
            "Start again from the list of rulebooks.",
        ),
        "method_not_allowed": (
            "This page cannot be opened that way",
            "This address answers a form sent from its own page, not a link.",
            "Start again from the list of rulebooks.",
        ),
        "bad_request": (
            "The form cannot be read",
            "What the browser sent could not be read as the page's form.",
            "Go back and send the form again.",
        ),
        "unauthorised": (
            "Sign in first",
            "This service asks for its token before it answers.",
            "Sign in, then send the form again.",
        ),
        "internal_error": (
            "Something went wrong in the service",
            "This is a bug in the service, not a mistake in the case.",
            "Please report it, with the case that caused it.",
        ),
        "error": (
            "The request cannot be answered",
            "The service could not answer this request.",
            "Go back and try again.",
        ),
    },
    "zh": {
        "too_large": (
            "案件超出本服务的大小限制",
            "本服务一次请求最多接受 {limit} 字节、表单最多 {fields} 个字段；"
            "所提交的案件超出了限制。",
            "请返回（浏览器的“后退”会保留已填写的内容），删去与决定无关的行或人员，或把案件分成几个"
            "分别提交。如需处理更大的案件，可由服务的运行者以更大的 --max-body 启动服务。",
        ),
        "timeout": (
            "案件用时过长",
            "本服务对每个案件最多计算 {timeout} 秒；这个案件超过了时限。",
            "请返回，减少行为或人员后再试。如需允许更长的计算，可由服务的运行者以更大的 --timeout "
            "启动服务。",
        ),
        "busy": (
            "服务繁忙",
            "本服务的计算线程在这个案件等待的 {timeout} 秒内一直在计算其他案件；"
            "这个案件尚未开始计算。",
            "请返回，稍后再试。",
        ),
        "unknown_rulebook": (
            "没有这个规则集",
            "本服务没有名为“{name}”的规则集。",
            "本服务提供的规则集列在首页。",
        ),
        "not_found": ("没有这个页面", "这个地址没有页面。", "请从规则集列表重新开始。"),
        "method_not_allowed": (
            "不能这样打开这个页面",
            "这个地址只接受从本页面提交的表单，不接受链接。",
            "请从规则集列表重新开始。",
        ),
        "bad_request": (
            "无法读取表单",
            "浏览器发送的内容无法作为本页的表单读取。",
            "请返回并重新提交表单。",
        ),
        "unauthorised": ("请先登录", "本服务在回答之前需要令牌。", "请登录后重新提交表单。"),
        "internal_error": (
            "服务内部出错",
            "这是服务的程序错误，不是案件的问题。",
            "请报告这个错误，并附上引起它的案件。",
        ),
        "error": ("无法回答这个请求", "服务无法回答这个请求。", "请返回后再试。"),
    },
}
BY_STATUS = {400: "bad_request", 401: "unauthorised", 404: "not_found", 405: "method_not_allowed"}
