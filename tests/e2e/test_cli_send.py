"""End to end: preview, send (captured and over real SMTP), refusals, suppressions, history."""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from pathlib import Path

import pytest

from tests.conftest import SMTP_PASSWORD, run_outreach, run_outreach_process, smtp_environment
from tests.smtp_server import SmtpTestServer

ENV = {
    "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
    "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
}


@pytest.fixture
def imported(workspace: Path) -> Path:
    """The sample workspace with its creators imported."""
    result = run_outreach(workspace, "contacts", "import", "contacts/creators.csv")
    assert result.code == 0, result.stderr
    return workspace


def captured(workspace: Path) -> list[Path]:
    folder = workspace / "outbox-capture"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_preview_prints_the_korean_message_and_sends_nothing(imported: Path) -> None:
    result = run_outreach(
        imported, "preview", "--to", "minji.glow", "--template", "proposal",
        "--campaign", "spring-serum",
    )  # fmt: skip

    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "From: Luna at Glowlab <luna@glowlab.example>"
    assert lines[1] == "To: 김민지 <minji.kim@mail.example>"
    assert lines[2].startswith("Subject: (광고) ")
    assert lines[3].startswith("Date: ")
    assert lines[4].startswith("Message-ID: <") and lines[4].endswith("@glowlab.example>")
    assert lines[5] == "List-Unsubscribe: <mailto:luna@glowlab.example?subject=unsubscribe>"
    assert lines[6] == ""  # no one-click link is served: no List-Unsubscribe-Post
    assert lines[7] == "김민지님, 안녕하세요. Glowlab의 Luna입니다."
    assert '더 이상 연락을 원하지 않으시면 "수신거부"라고 회신해 주세요.' in result.stdout
    assert "--- html part ---" in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "Preview of 'proposal' (ko) for @minji.glow; nothing was sent. Date and Message-ID "
        "are set anew when it is sent."
    )
    assert captured(imported) == []
    history = run_outreach(imported, "history", "minji.glow").stdout
    assert " sent " not in history


def test_preview_raw_shows_the_encoded_wire_format(imported: Path) -> None:
    result = run_outreach(
        imported, "preview", "--to", "misaki.hada", "--template", "follow_up_1", "--raw",
        "--campaign", "spring-serum",
    )  # fmt: skip

    assert result.code == 0, result.stderr
    assert "To: =?utf-8?b?" in result.stdout
    assert "Content-Transfer-Encoding: base64" in result.stdout


def test_send_yes_captures_the_message_and_records_it_in_history(imported: Path) -> None:
    result = run_outreach(
        imported, "send", "--to", "misaki.hada", "--template", "proposal",
        "--campaign", "spring-serum", "--yes",
    )  # fmt: skip

    assert result.code == 0, result.stderr
    [eml] = captured(imported)
    assert result.stdout == (
        f"Sent 'proposal' (ja) to misaki@mail.example as message 1: captured to {eml}\n"
    )
    message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["X-Envelope-To"] == "misaki@mail.example"
    assert str(message["Subject"]) == "Rice Bran Serumのご紹介とコラボレーションのご相談"
    history = run_outreach(imported, "history", "misaki.hada", "--full").stdout.splitlines()
    assert history[2].endswith(
        "sent           sent 'proposal' (ja) to misaki@mail.example: "
        "Rice Bran Serumのご紹介とコラボレーションのご相談"
    )
    assert history[3].startswith("    Message-ID: <") and history[3].endswith("@glowlab.example>")
    assert history[4] == f"    Server: captured to {eml}"
    assert history[5] == "    佐藤美咲様"
    # The exact text that went out, footer included.
    assert "    送信者：Luna at Glowlab <luna@glowlab.example>, 1-2-3 Jingumae, Tokyo" in history
    contacted = run_outreach(imported, "contacts", "list", "--status", "contacted").stdout
    assert contacted.splitlines()[-1] == "1 creator"


def test_the_same_template_is_never_sent_twice_by_accident(imported: Path) -> None:
    args = ("send", "--to", "misaki.hada", "--template", "proposal", "--campaign",
            "spring-serum", "--yes")  # fmt: skip
    run_outreach(imported, *args)

    again = run_outreach(imported, *args)

    assert again.code == 1
    assert again.stdout == ""
    assert (
        "error: @misaki.hada already has 'proposal' in campaign 'spring-serum' (message 1, "
        "sent " in again.stderr
    )
    assert again.stderr.rstrip().endswith(
        "nothing was sent. Add --again to send it once more on purpose."
    )
    assert len(captured(imported)) == 1


def test_the_opening_step_sent_again_on_purpose_does_not_answer_itself(imported: Path) -> None:
    args = ("send", "--to", "misaki.hada", "--template", "proposal", "--campaign",
            "spring-serum", "--yes")  # fmt: skip
    run_outreach(imported, *args)
    run_outreach(imported, *args, "--again")

    for eml in captured(imported):
        message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert message["In-Reply-To"] is None


def test_send_without_yes_asks_and_sends_nothing_on_no(imported: Path) -> None:
    result = run_outreach_process(
        imported, "send", "--to", "kenta.skincare", "--template", "proposal",
        "--campaign", "spring-serum", stdin="n\n",
    )  # fmt: skip

    assert result.code == 1
    assert result.stdout.splitlines()[0] == "From: Luna at Glowlab <luna@glowlab.example>"
    assert result.stdout.endswith(
        "Send this to @kenta.skincare <kenta.tanaka@mail.example>? [y/N]: "
    )
    assert result.stderr.splitlines()[-1] == "Nothing was sent."
    assert captured(imported) == []


def test_send_without_yes_sends_on_yes(imported: Path) -> None:
    result = run_outreach_process(
        imported, "send", "--to", "kenta.skincare", "--template", "proposal",
        "--campaign", "spring-serum", stdin="y\n",
    )  # fmt: skip

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith(
        "Send this to @kenta.skincare <kenta.tanaka@mail.example>? [y/N]: Sent 'proposal' (ja) "
        "to kenta.tanaka@mail.example as message 1: captured to "
    )
    assert len(captured(imported)) == 1


def test_a_suppressed_address_is_refused(imported: Path) -> None:
    added = run_outreach(
        imported, "suppress", "add", "Priya.Shah@inbox.example", "--reason", "asked by DM"
    )
    result = run_outreach(
        imported, "send", "--to", "priya.makes.up", "--template", "proposal",
        "--campaign", "spring-serum", "--yes",
    )  # fmt: skip

    assert added.stdout == "Suppressed priya.shah@inbox.example (asked by DM)\n"
    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: @priya.makes.up <priya.shah@inbox.example> is suppressed "
        "(priya.shah@inbox.example: asked by DM); nothing was sent"
    )
    assert captured(imported) == []


def test_suppress_list_and_remove(imported: Path) -> None:
    run_outreach(imported, "suppress", "add", "@inbox.example", "--reason", "agency request")
    again = run_outreach(imported, "suppress", "add", "@INBOX.example")
    listed = run_outreach(imported, "suppress", "list")
    removed = run_outreach(imported, "suppress", "remove", "inbox.example")
    empty = run_outreach(imported, "suppress", "list")

    assert again.stdout.startswith("@inbox.example was already suppressed since ")
    rows = listed.stdout.splitlines()
    assert rows[0].split() == ["address", "reason", "source", "since"]
    assert rows[2].split()[:4] == ["@inbox.example", "agency", "request", "manual"]
    assert rows[-1] == "1 suppressed"
    assert removed.stdout == "Removed @inbox.example from suppressions\n"
    assert empty.stdout.splitlines()[-1] == "0 suppressed"
    history = run_outreach(imported, "history", "priya.makes.up").stdout
    assert "suppressed     @inbox.example suppressed: agency request" in history
    assert "unsuppressed   @inbox.example removed from suppressions" in history


def test_a_missing_value_is_refused_naming_template_creator_and_field(imported: Path) -> None:
    csv = imported / "contacts" / "new.csv"
    csv.write_text("handle,email,name,language\nnoname,nn@mail.example,,en\n", encoding="utf-8")
    run_outreach(imported, "contacts", "import", "contacts/new.csv")

    result = run_outreach(
        imported, "send", "--to", "noname", "--template", "follow_up_1",
        "--campaign", "spring-serum", "--yes",
    )  # fmt: skip

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: template 'follow_up_1 (en)' for creator @noname: field 'addressee': the "
        "creator has no value for it; nothing was sent. 'addressee' is made from 'name': "
        "fill in 'name' for @noname (contacts import)."
    )
    assert captured(imported) == []


def test_a_value_that_would_inject_a_header_is_refused(imported: Path) -> None:
    template = imported / "templates/messages/en/about_post.txt"
    template.write_text("Subject: About {{ recent_post }}\n\nHi {{ addressee }}\n", "utf-8")
    csv = imported / "contacts" / "evil.csv"
    csv.write_text(
        'handle,email,name,recent_post\nevil,ev@mail.example,Eve,"tea\r\nBcc: all@x.example"\n',
        encoding="utf-8",
    )
    run_outreach(imported, "contacts", "import", "contacts/evil.csv")

    result = run_outreach(
        imported, "send", "--to", "evil", "--template", "about_post", "--yes", env=ENV
    )

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: template 'about_post (en)' for creator @evil: field 'subject': the subject "
        "would contain a line break; nothing was sent. Check the creator values that template "
        "part uses, or change the template."
    )
    assert captured(imported) == []


def test_a_template_syntax_error_names_file_and_line(imported: Path) -> None:
    template = imported / "templates/messages/en/broken.txt"
    template.write_text("Subject: Hello\n\nHi {{ addressee }}\n\n{% if product %}\n", "utf-8")

    result = run_outreach(imported, "preview", "--to", "hannahbrooks.skin", "--template",
                          "broken", env=ENV)  # fmt: skip

    assert result.code == 1
    assert result.stderr.splitlines()[-1].startswith(f"error: {template}:5: Unexpected end of")


def test_a_template_failing_while_rendering_names_file_and_line(imported: Path) -> None:
    template = imported / "templates/messages/en/sums.txt"
    template.write_text("Subject: Hello\n\nHi {{ addressee }}\n{{ 1 / 0 }}\n", "utf-8")

    result = run_outreach(imported, "preview", "--to", "hannahbrooks.skin", "--template",
                          "sums", env=ENV)  # fmt: skip

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: {template}:4: ZeroDivisionError: division by zero"
    )


def test_an_encoded_word_in_a_name_is_refused_at_import(imported: Path) -> None:
    csv = imported / "contacts" / "encoded.csv"
    csv.write_text(
        "handle,email,name\new3,ew3@mail.example,=?utf-8?b?YQ0KQmNjOiBldmlsQHguZXhhbXBsZQ==?=\n",
        encoding="utf-8",
    )

    result = run_outreach(imported, "contacts", "import", "contacts/encoded.csv")

    assert result.stdout == "Imported 0, updated 0, unchanged 0, skipped 1.\n"
    assert result.stderr.splitlines()[-1] == (
        "contacts/encoded.csv:2: name '=?utf-8?b?YQ0KQmNjOiBldmlsQHguZXhhbXBsZQ' is "
        "unusable: the name header would contain an RFC 2047 encoded word ('=?...?=')"
    )


def test_a_campaign_value_missing_without_campaign_says_to_pass_one(imported: Path) -> None:
    result = run_outreach(
        imported, "preview", "--to", "hannahbrooks.skin", "--template", "proposal", env=ENV
    )

    assert result.code == 1
    assert result.stderr.splitlines()[-1].endswith(
        "'product' comes from the campaign: pass --campaign NAME."
    )


def test_preview_of_a_follow_up_shows_the_reply_subject_before_anything_was_sent(
    imported: Path,
) -> None:
    result = run_outreach(
        imported, "preview", "--to", "minji.glow", "--template", "follow_up_1",
        "--campaign", "spring-serum",
    )  # fmt: skip

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[2] == (
        "Subject: (광고) Re: 김민지님께 드리는 Rice Bran Serum 협업 제안"
    )


def test_sending_without_a_sender_says_which_setting_to_set(imported: Path) -> None:
    result = run_outreach(
        imported, "send", "--to", "hannahbrooks.skin", "--template", "proposal",
        "--campaign", "spring-serum", "--yes", env={"OUTREACH_FROM": ""},
    )  # fmt: skip

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: OUTREACH_FROM is not set: add OUTREACH_FROM='Your Name at Brand "
        "<you@brand.example>' to .env (or set sender in the campaign file)"
    )


def test_send_over_real_smtp_with_starttls_and_login(
    imported: Path, smtp_server: SmtpTestServer
) -> None:
    env = smtp_environment(smtp_server)
    env["SSL_CERT_FILE"] = str(smtp_server.ca_cert_path)

    result = run_outreach(
        imported, "send", "--to", "misaki.hada", "--template", "proposal",
        "--campaign", "spring-serum", "--yes", env=env,
    )  # fmt: skip

    assert result.code == 0, result.stderr
    assert result.stdout == (
        "Sent 'proposal' (ja) to misaki@mail.example as message 1: 250 2.0.0 Message accepted "
        "for delivery\n"
    )
    assert "Capture mode" not in result.stderr
    [received] = smtp_server.messages
    assert received.tls and received.auth_login == "luna@glowlab.example"
    assert captured(imported) == []
    assert SMTP_PASSWORD.encode() not in (imported / "outreach.db").read_bytes()


def test_a_permanent_smtp_refusal_is_shown_and_recorded(
    imported: Path, smtp_server: SmtpTestServer
) -> None:
    from tests.smtp_server import Fault

    env = smtp_environment(smtp_server)
    env["SSL_CERT_FILE"] = str(smtp_server.ca_cert_path)
    smtp_server.fail_next(Fault(phase="rcpt", reply="550 5.1.1 Mailbox does not exist"))

    result = run_outreach(
        imported, "send", "--to", "seoyeon.vegan", "--template", "proposal",
        "--campaign", "spring-serum", "--yes", env=env,
    )  # fmt: skip

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: SMTP {smtp_server.host}:{smtp_server.port} (starttls): 550 5.1.1 Mailbox does "
        "not exist"
    )
    history = run_outreach(imported, "history", "seoyeon.vegan", env=env).stdout
    assert "send_failed" in history
    assert "suppressed     seoyeon.lee@mail.example suppressed: rejected by the server" in history


def test_previewing_a_follow_up_whose_opening_fails_names_the_template_asked_for(
    imported: Path,
) -> None:
    campaign = imported / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("guidelines")),
        encoding="utf-8",
    )
    proposal = imported / "templates" / "messages" / "ko" / "proposal.txt"
    body = proposal.read_text(encoding="utf-8").partition("--- html ---")[0]
    proposal.write_text(body + "\n{{ guidelines }}\n", encoding="utf-8")

    result = run_outreach(imported, "preview", "--to", "minji.glow", "--template",
                          "follow_up_1", "--campaign", "spring-serum")  # fmt: skip

    assert result.code == 1
    error = result.stderr.splitlines()[-1]
    assert error.startswith("error: preview of 'follow_up_1': its subject comes from the "
                            "campaign's first step 'proposal'")  # fmt: skip
    assert "campaign 'spring-serum' has no 'guidelines'" in error


def test_without_a_postal_address_mail_to_japan_is_refused_and_run_names_who(
    imported: Path,
) -> None:
    no_address = {"OUTREACH_POSTAL_ADDRESS": ""}
    sent = run_outreach(imported, "send", "--to", "misaki.hada", "--template", "proposal",
                        "--campaign", "spring-serum", "--yes", env=no_address)  # fmt: skip
    run_outreach(imported, "campaign", "enroll", "spring-serum", env=no_address)
    ran = run_outreach(imported, "run", "--once", "--now", "2030-01-08T01:30Z", env=no_address)

    assert sent.code == 1 and "@misaki.hada: OUTREACH_POSTAL_ADDRESS is not set" in sent.stderr
    assert "nothing was sent" in sent.stderr
    assert ran.code == 1
    assert "error: not planned: OUTREACH_POSTAL_ADDRESS is not set; mail to JP" in ran.stderr
    assert "@misaki.hada" in ran.stderr and "tried again within 10 minutes" in ran.stderr


def test_send_refuses_an_address_whose_source_the_creators_country_does_not_allow(
    workspace: Path,
) -> None:
    sheet = workspace / "contacts" / "creators.csv"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(
        "misaki@mail.example,bio,", "misaki@mail.example,referral,"), encoding="utf-8")  # fmt: skip
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0

    result = run_outreach(
        workspace, "send", "--to", "misaki.hada", "--template", "proposal",
        "--campaign", "spring-serum", "--yes",
    )  # fmt: skip

    assert result.code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "error: @misaki.hada: source not allowed for JP: email_source is 'referral'"
    )
    assert result.stderr.rstrip().endswith("; nothing was sent")
    assert captured(workspace) == []
