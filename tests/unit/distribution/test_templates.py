"""Templates: unknown variables refused at save time, rendered in a sandbox, footer added."""

from __future__ import annotations

import pytest

from aicmo_distribution.domain import templates as tpl


def content(text: str, subject: str = "", html: str = "") -> tpl.MessageContent:
    return tpl.MessageContent(subject, text, html)


def test_known_variables_are_listed():
    used = tpl.analyse(content("Hi {{ lead.first_name }} {{ unsubscribe_url }}",
                               subject="{{ venture.name }}",
                               html="<p>{{ lead['company'] }}</p>"), channel="EMAIL")
    assert used == ["lead.company", "lead.first_name", "unsubscribe_url", "venture.name"]


@pytest.mark.parametrize("text", ["{{ lead.shoe_size }}", "{{ secret }}",
                                  "{{ venture.password }}", "{{ lead[key] }}"])
def test_unknown_variables_are_refused(text):
    with pytest.raises(tpl.TemplateProblem) as caught:
        tpl.analyse(content(text), channel="EMAIL")
    assert caught.value.unknown and caught.value.field == "message.body_text"


def test_loop_variables_and_attributes_are_fine():
    used = tpl.analyse(content("{% for k in lead.attributes %}{{ k }}{% endfor %}"
                               "{{ lead.attributes.plan }}"), channel="SMS")
    assert used == ["lead.attributes"]


def test_syntax_errors_and_empty_bodies_are_refused():
    with pytest.raises(tpl.TemplateProblem, match="syntax error"):
        tpl.analyse(content("{{ lead.first_name "), channel="EMAIL")
    with pytest.raises(tpl.TemplateProblem, match="must not be empty"):
        tpl.analyse(content("  "), channel="EMAIL")


def test_the_sandbox_refuses_python_internals():
    with pytest.raises(tpl.TemplateProblem):
        tpl.render(content("{{ lead.first_name.__class__.__mro__ }}"),
                   tpl.RenderContext(lead={"first_name": "Ada"}, venture={}, campaign={}))


def test_rendering_fills_variables_and_escapes_html_only_in_html():
    rendered = tpl.render(
        content("Hi {{ lead.first_name }}", subject="For\n{{ lead.company }}",
                html="<p>{{ lead.company }}</p>"),
        tpl.RenderContext(lead={"first_name": "Ada", "company": "<Acme & Co>"}, venture={},
                          campaign={}))
    assert rendered.body_text == "Hi Ada"
    assert rendered.subject == "For <Acme & Co>"
    assert rendered.body_html == "<p>&lt;Acme &amp; Co&gt;</p>"


def test_the_footer_carries_the_unsubscribe_link_and_postal_address():
    done = tpl.with_footer(content("Hi", html="<html><body><p>Hi</p></body></html>"),
                           unsubscribe_url="https://edge.example/u/t",
                           postal_address="1 Main St")
    assert "1 Main St" in done.body_text and "https://edge.example/u/t" in done.body_text
    assert done.body_html.endswith("</p></body></html>")
    assert 'href="https://edge.example/u/t"' in done.body_html


def test_compiled_templates_are_reused_but_an_edit_renders_anew():
    context = tpl.RenderContext(lead={"first_name": "Ada"}, venture={}, campaign={})
    first = tpl.render(content("Hi {{ lead.first_name }}", html="<b>{{ lead.first_name }}"),
                       context)
    again = tpl.render(content("Hi {{ lead.first_name }}", html="<b>{{ lead.first_name }}"),
                       context)
    edited = tpl.render(content("Bye {{ lead.first_name }}", html="<b>{{ lead.first_name }}"),
                        context)
    assert first == again and first.body_text == "Hi Ada" and first.body_html == "<b>Ada"
    assert edited.body_text == "Bye Ada"
    # The same source in text and HTML is compiled for each (escaping differs).
    twice = tpl.render(content("{{ lead.first_name }}", html="{{ lead.first_name }}"),
                       tpl.RenderContext(lead={"first_name": "<A>"}, venture={}, campaign={}))
    assert (twice.body_text, twice.body_html) == ("<A>", "&lt;A&gt;")


def test_a_refused_template_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(tpl.TemplateProblem):
            tpl.analyse(content("{{ secret }}"), channel="EMAIL")
        with pytest.raises(tpl.TemplateProblem):
            tpl.render(content("{{ lead.first_name }"),
                       tpl.RenderContext(lead={}, venture={}, campaign={}))
    assert tpl.analyse(content("{{ lead.name }}"), channel="EMAIL") == ["lead.name"]
