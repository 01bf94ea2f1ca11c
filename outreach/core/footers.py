"""The opt-out and sender-identification footer, in the creator's language."""

# Japan's Act on Specified Electronic Mail and Korea's Information and Communications
# Network Act both ask for the sender's identity and a working way to refuse more mail.
_OPT_OUT = {
    "en": 'If you\'d rather not hear from us again, reply with "unsubscribe" '
    "and we won't write again.",
    "ja": "今後このようなご連絡が不要な場合は、「配信停止」とご返信ください。"
    "以後ご連絡はいたしません。",
    "ko": '더 이상 연락을 원하지 않으시면 "수신거부"라고 회신해 주세요. '
    "다시 연락드리지 않겠습니다.",
    "fr": "Si vous préférez ne plus recevoir de messages de notre part, répondez "
    "« désinscription » et nous ne vous écrirons plus.",
    "de": "Wenn Sie keine weiteren Nachrichten von uns wünschen, antworten Sie mit "
    "„abmelden“ und wir schreiben Ihnen nicht mehr.",
    "es": "Si prefiere no recibir más mensajes nuestros, responda «baja» y no le "
    "volveremos a escribir.",
}
_SENDER_LABEL = {
    "en": "Sender",
    "ja": "送信者",
    "ko": "보낸 사람",
    "fr": "Expéditeur",
    "de": "Absender",
    "es": "Remitente",
}
_COLON = {"ja": "：", "ko": ": "}
# Japan's Act on Specified Electronic Mail (art. 4 and its ordinance) also asks for a contact
# that takes complaints and questions.
_CONTACT_LABEL = {
    "en": "Questions or complaints",
    "ja": "苦情・お問い合わせ",
    "ko": "문의",
    "fr": "Questions ou réclamations",
    "de": "Fragen oder Beschwerden",
    "es": "Consultas o reclamaciones",
}


def opt_out_footer(
    language: str, sender: str, postal_address: str | None, contact: str | None = None
) -> str:
    """The footer lines: how to opt out, who sent this (with a postal address if set), and
    where to send questions or complaints, when the recipient's country asks for it."""
    lang = language if language in _OPT_OUT else "en"
    identity = sender if not postal_address else f"{sender}, {postal_address}"
    colon = _COLON.get(lang, ": ")
    footer = f"--\n{_OPT_OUT[lang]}\n{_SENDER_LABEL[lang]}{colon}{identity}\n"
    if contact:
        footer += f"{_CONTACT_LABEL[lang]}{colon}{contact}\n"
    return footer
