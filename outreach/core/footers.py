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


# GDPR art. 14(2)(f) and 21: the first message says where the address came from, and how to
# object. `{where}` is one of _WHERE's phrases, with the page when there is one.
_SOURCE_NOTICE = {
    "en": "We found your email address {where}. If you object to our using it, reply "
    '"unsubscribe" and we will delete it.',
    "fr": "Nous avons trouvé votre adresse {where}. Pour vous y opposer, répondez "
    "« désinscription » et nous la supprimerons.",
    "de": "Wir haben Ihre Adresse {where} gefunden. Wenn Sie widersprechen, antworten Sie mit "
    "„abmelden“ und wir löschen sie.",
    "es": "Encontramos su dirección {where}. Si se opone a su uso, responda «baja» y la "
    "borraremos.",
}
_WHERE = {
    "en": {"bio": "in your public profile", "website": "on your website",
           "referral": "through someone who recommended you", "consent": "when you gave it to us",
           "other": "in a public source"},
    "fr": {"bio": "dans votre profil public", "website": "sur votre site",
           "referral": "grâce à une recommandation", "consent": "quand vous nous l'avez donnée",
           "other": "dans une source publique"},
    "de": {"bio": "in Ihrem öffentlichen Profil", "website": "auf Ihrer Website",
           "referral": "über eine Empfehlung", "consent": "als Sie sie uns gaben",
           "other": "in einer öffentlichen Quelle"},
    "es": {"bio": "en su perfil público", "website": "en su sitio web",
           "referral": "por una recomendación", "consent": "cuando nos la dio",
           "other": "en una fuente pública"},
}  # fmt: skip


def source_notice(language: str, source: str, url: str | None) -> str:
    """The line that tells a creator in Europe where we found their address and how to object."""
    lang = language if language in _SOURCE_NOTICE else "en"
    where = _WHERE[lang].get(source, _WHERE[lang]["other"])
    if url:
        where = f"{where} ({url})"
    return _SOURCE_NOTICE[lang].format(where=where) + "\n"
