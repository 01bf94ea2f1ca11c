"""Rendering: sandboxed, strict, and nothing unfinished ever comes out."""

from typing import Any

import pytest

from outreach.core.rendering import (
    CompiledTemplate,
    RenderedMessage,
    RenderProblem,
    TemplateProblem,
)
from outreach.core.template_source import split_template

MISAKI = {
    "name": "佐藤美咲",
    "product": "グロウセラム",
    "sender_company": "Glowlab",
    "sender_name": "Luna",
}


def compile_template(content: str) -> CompiledTemplate:
    return CompiledTemplate(split_template(content))


def render(content: str, context: dict[str, Any]) -> RenderedMessage:
    return compile_template(content).render(context)


def render_problem(content: str, context: dict[str, Any]) -> RenderProblem:
    with pytest.raises(RenderProblem) as caught:
        render(content, context)
    return caught.value


def template_problem(content: str) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        compile_template(content)
    return caught.value


def test_render_fills_subject_and_body_in_japanese() -> None:
    content = (
        "Subject: {{ product }}のご紹介\n"
        "\n"
        "{{ name | sama }}\n"
        "\n"
        "はじめまして。{{ sender_company }}の{{ sender_name }}です。\n"
    )
    assert render(content, MISAKI) == RenderedMessage(
        subject="グロウセラムのご紹介",
        text="佐藤美咲様\n\nはじめまして。GlowlabのLunaです。\n",
        html=None,
    )


def test_render_fills_korean_with_the_nim_filter() -> None:
    content = "Subject: {{ product }} 협업 제안\n\n{{ name | nim }}, 안녕하세요.\n"
    rendered = render(content, {"name": "김민지", "product": "글로우 세럼"})
    assert rendered.subject == "글로우 세럼 협업 제안"
    assert rendered.text == "김민지님, 안녕하세요.\n"


def test_render_trims_blank_lines_around_the_body_and_ends_it_with_one_newline() -> None:
    content = "Subject: Hello\n\n\n\nHi {{ name | first_name }},\n\n\n"
    assert render(content, {"name": "Emma Watson"}).text == "Hi Emma,\n"


def test_render_html_part_alongside_the_text_part() -> None:
    content = "Subject: ご案内\n\n{{ name | sama }}\n--- html ---\n<p>{{ name | sama }}</p>\n"
    rendered = render(content, MISAKI)
    assert rendered.text == "佐藤美咲様\n"
    assert rendered.html == "<p>佐藤美咲様</p>\n"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("Subject: ご案内\n\n{{ recent_post }}について拝見しました。\n", "recent_post"),
        ("Subject: {{ product }}のご紹介\n\n本文\n", "product"),
        ("Subject: ご案内\n\n{{ name | sama }}\n", "name"),
        ("Subject: ご案内\n\n{{ name | upper }}\n", "name"),
        ("Subject: ご案内\n\n{{ name ~ '様' }}\n", "name"),
        ("Subject: ご案内\n\n{% if bio %}{{ bio }}{% endif %}本文\n", "bio"),
        ("Subject: ご案内\n\n本文\n--- html ---\n<p>{{ offer }}</p>\n", "offer"),
    ],
    ids=["body", "subject", "filter", "builtin-filter", "concat", "if", "html"],
)
def test_a_missing_value_is_a_render_problem_naming_the_field(content: str, field: str) -> None:
    problem = render_problem(content, {})
    assert (problem.field, problem.reason) == (field, "the creator has no value for it")


def test_a_missing_value_compared_in_a_condition_names_the_field() -> None:
    content = "Subject: ご案内\n\n{% if followers >= 100000 %}大人気{% endif %}本文\n"
    problem = render_problem(content, {"name": "佐藤美咲"})
    assert problem.field == "followers"


@pytest.mark.parametrize("filter_name", ["sama", "san", "nim", "first_name"])
def test_an_empty_name_through_an_address_filter_is_a_render_problem(filter_name: str) -> None:
    content = f"Subject: ご案内\n\n{{{{ name | {filter_name} }}}}\n"
    problem = render_problem(content, {"name": "   "})
    assert problem.field == "name"
    assert problem.reason == "it would render empty (the name is empty)"


def test_a_subject_value_with_a_line_break_is_a_render_problem() -> None:
    problem = render_problem(
        "Subject: {{ product }}のご紹介\n\n本文\n", {"product": "グロウ\nセラム"}
    )
    assert (problem.field, problem.reason) == ("subject", "the subject would contain a line break")


def test_a_subject_that_renders_empty_is_a_render_problem() -> None:
    problem = render_problem("Subject: {{ product }}\n\n本文\n", {"product": "   "})
    assert (problem.field, problem.reason) == ("subject", "the subject renders empty")


def test_a_body_that_renders_empty_is_a_render_problem() -> None:
    problem = render_problem("Subject: ご案内\n\n{% if false %}本文{% endif %}\n", {})
    assert (problem.field, problem.reason) == ("body", "the body renders empty")


@pytest.mark.parametrize(
    ("content", "part"),
    [
        ("Subject: ご案内\n\n{{ bio }}\n", "body"),
        ("Subject: {{ bio }}\n\n本文\n", "subject"),
        ("Subject: ご案内\n\n本文\n--- html ---\n<p>{{ bio }}</p>\n", "html"),
    ],
)
def test_a_value_holding_template_syntax_is_a_render_problem(content: str, part: str) -> None:
    problem = render_problem(content, {"bio": "{{ first_name }}さんへ"})
    assert problem.field == part
    assert problem.reason == "the output still contains template syntax '{{' or '{%'"


def test_raw_template_syntax_left_in_the_output_is_a_render_problem() -> None:
    content = "Subject: ご案内\n\n{% raw %}{{ first_name }}{% endraw %}様\n"
    assert render_problem(content, {}).field == "body"


@pytest.mark.parametrize(
    "expression",
    [
        "x.__class__.__mro__",
        "x.__class__",
        "x.__class__.__base__.__subclasses__()",
        "x.__init__.__globals__",
    ],
)
def test_the_sandbox_refuses_access_to_python_internals(expression: str) -> None:
    problem = render_problem(f"Subject: ご案内\n\n{{{{ {expression} }}}}\n", {"x": "佐藤"})
    assert problem.field == "template code"
    assert problem.reason.startswith("unsafe template code refused: ")


def test_the_html_part_escapes_markup_from_a_value_but_the_text_part_does_not() -> None:
    content = "Subject: ご案内\n\n{{ bio }}\n--- html ---\n<p>{{ bio }}</p>\n"
    rendered = render(content, {"bio": "<script>alert('佐藤')</script> & more"})
    assert rendered.text == "<script>alert('佐藤')</script> & more\n"
    assert rendered.html == "<p>&lt;script&gt;alert(&#39;佐藤&#39;)&lt;/script&gt; &amp; more</p>\n"


def test_a_syntax_error_in_the_body_names_the_file_line() -> None:
    content = (
        "Subject: ご案内\n"  # 1
        "\n"  # 2
        "{{ name | sama }}\n"  # 3: the body starts here
        "\n"  # 4
        "はじめまして。\n"  # 5
        "\n"  # 6
        "{{ product | }}のご紹介です。\n"  # 7: the error
        "よろしくお願いいたします。\n"  # 8
    )
    assert template_problem(content).line == 7


def test_a_syntax_error_in_the_html_part_names_the_file_line() -> None:
    content = (
        "Subject: ご案内\n"  # 1
        "\n"  # 2
        "{{ name | sama }}\n"  # 3
        "--- html ---\n"  # 4
        "<p>{{ name | sama }}</p>\n"  # 5
        "<p>{% if %}</p>\n"  # 6: the error
    )
    assert template_problem(content).line == 6


def test_a_syntax_error_in_the_subject_is_on_line_one() -> None:
    problem = template_problem("Subject: {{ product }のご紹介\n\n本文\n")
    assert problem.line == 1


def test_an_unknown_filter_is_a_template_problem() -> None:
    problem = template_problem("Subject: ご案内\n\n{{ name | sensei }}\n")
    assert (problem.line, problem.reason) == (3, "No filter named 'sensei'.")


def test_a_compiled_template_renders_for_many_creators() -> None:
    template = compile_template("Subject: ご案内\n\n{{ name | sama }}\n")
    assert template.render({"name": "佐藤美咲"}).text == "佐藤美咲様\n"
    assert template.render({"name": "鈴木花子"}).text == "鈴木花子様\n"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{{ 'x' * 10**9 }}", "a repetition makes over 200,000 items"),
        ("{{ [1] * 10**9 }}", "a repetition makes over 200,000 items"),
        ("{{ 10 ** 100000000 }}", "an exponent over 1000"),
        ("{% for i in range(10**9) %}x{% endfor %}", "range() of over 10,000 numbers"),
        ("{% for a in range(9999) %}{% for b in range(9999) %}xxxxxxxxxx{% endfor %}"
         "{% endfor %}", "the output is over 200,000 characters"),
        # Nested loops writing nothing: only the clock stops them.
        ("{% for a in range(9999) %}{% for b in range(9999) %}{% for c in range(9999) %}"
         "{% endfor %}{% endfor %}{% endfor %}done", "rendering took over 2 s"),
    ],
)  # fmt: skip
def test_a_template_over_a_size_or_time_limit_is_refused_with_the_reason(
    body: str, reason: str
) -> None:
    problem = render_problem(f"Subject: Hi\n\n{body}\n", MISAKI)

    assert problem.field == "template code"
    assert problem.reason == f"over a limit: {reason}"
