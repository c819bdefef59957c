//! What Frontline itself writes in mail, in the recipient's language where it has one (a
//! person's `language`, a BCP 47 tag). People write their replies in whatever language they
//! write; these are only the words Frontline adds: the reply marker, the rating request and
//! the note about files too large to send. A language without a translation here gets
//! English, as does a person with no language.
//!
//! Each translation is a whole sentence with `{name}` placeholders, not pieces glued
//! together, because word order differs between languages.

/// One language's phrases.
#[derive(Debug)]
pub struct Phrases {
    /// The primary language subtag (`en`, `de`), sent as `Content-Language`.
    pub language: &'static str,
    /// The first line of mail a customer may answer; inbound mail is cut above it (any
    /// language's, see [`is_reply_marker`]).
    pub reply_above: &'static str,
    /// `{name}`, `{number}`, `{subject}`, `{link}`, `{until}`.
    rating: &'static str,
    /// Before the list of files a reply carried that were too large to send.
    pub file_too_large: &'static str,
    pub files_too_large: &'static str,
}

const EN: Phrases = Phrases {
    language: "en",
    reply_above: "##- Please type your reply above this line -##",
    rating: "Hello {name},\n\n\
             your case {number} ({subject}) is resolved. How did we do? One click tells us:\n\n\
             {link}\n\n\
             The link works until {until}. If anything is still wrong, answer this mail and \
             the case opens again.",
    file_too_large: "This file is too large to send by mail; you will find it on your case:",
    files_too_large: "These files are too large to send by mail; you will find them on your case:",
};

const DE: Phrases = Phrases {
    language: "de",
    reply_above: "##- Bitte schreiben Sie Ihre Antwort über dieser Zeile -##",
    rating: "Hallo {name},\n\n\
             Ihre Anfrage {number} ({subject}) ist erledigt. Wie zufrieden waren Sie? Ein \
             Klick genügt:\n\n\
             {link}\n\n\
             Der Link gilt bis zum {until}. Wenn noch etwas nicht stimmt, antworten Sie auf \
             diese E-Mail, dann öffnen wir die Anfrage wieder.",
    file_too_large: "Diese Datei ist zu groß für eine E-Mail; Sie finden sie bei Ihrer Anfrage:",
    files_too_large: "Diese Dateien sind zu groß für eine E-Mail; Sie finden sie bei Ihrer Anfrage:",
};

const FR: Phrases = Phrases {
    language: "fr",
    reply_above: "##- Veuillez écrire votre réponse au-dessus de cette ligne -##",
    rating: "Bonjour {name},\n\n\
             votre demande {number} ({subject}) est résolue. Qu'en avez-vous pensé ? Un clic \
             suffit :\n\n\
             {link}\n\n\
             Le lien est valable jusqu'au {until}. Si quelque chose ne va toujours pas, \
             répondez à ce message et la demande sera rouverte.",
    file_too_large: "Ce fichier est trop volumineux pour un e-mail ; vous le trouverez dans \
                     votre demande :",
    files_too_large: "Ces fichiers sont trop volumineux pour un e-mail ; vous les trouverez dans \
                      votre demande :",
};

const ES: Phrases = Phrases {
    language: "es",
    reply_above: "##- Por favor, escriba su respuesta encima de esta línea -##",
    rating: "Hola, {name}:\n\n\
             su caso {number} ({subject}) está resuelto. ¿Qué tal lo hicimos? Un clic nos lo \
             dice:\n\n\
             {link}\n\n\
             El enlace funciona hasta el {until}. Si algo sigue sin estar bien, responda a \
             este correo y el caso se volverá a abrir.",
    file_too_large: "Este archivo es demasiado grande para enviarlo por correo; lo encontrará \
                     en su caso:",
    files_too_large: "Estos archivos son demasiado grandes para enviarlos por correo; los \
                      encontrará en su caso:",
};

const NL: Phrases = Phrases {
    language: "nl",
    reply_above: "##- Typ uw antwoord boven deze regel -##",
    rating: "Hallo {name},\n\n\
             uw aanvraag {number} ({subject}) is afgehandeld. Hoe hebben we het gedaan? Eén \
             klik is genoeg:\n\n\
             {link}\n\n\
             De link werkt tot {until}. Is er nog iets niet in orde, beantwoord dan deze e-mail \
             en de aanvraag gaat weer open.",
    file_too_large: "Dit bestand is te groot om per e-mail te versturen; u vindt het bij uw \
                     aanvraag:",
    files_too_large: "Deze bestanden zijn te groot om per e-mail te versturen; u vindt ze bij \
                      uw aanvraag:",
};

const ALL: [&Phrases; 5] = [&EN, &DE, &FR, &ES, &NL];

impl Phrases {
    /// The phrases for a language tag (`de`, `de-AT`, `pt-BR`; any case), English when
    /// there is none or no translation.
    pub fn for_language(tag: Option<&str>) -> &'static Phrases {
        let primary = tag
            .and_then(|t| t.split(['-', '_']).next())
            .unwrap_or_default();
        ALL.into_iter()
            .find(|p| p.language.eq_ignore_ascii_case(primary))
            .unwrap_or(&EN)
    }

    /// The rating request; the values are put in as given (plain text, nothing is markup).
    pub fn rating(
        &self,
        name: &str,
        number: &str,
        subject: &str,
        link: &str,
        until: &str,
    ) -> String {
        fill(
            self.rating,
            &[
                ("name", name),
                ("number", number),
                ("subject", subject),
                ("link", link),
                ("until", until),
            ],
        )
    }
}

/// Whether `line` is a reply marker in any language: `##-` … `-##`, as each translation is.
/// Recognising the shape rather than the words lets a customer answer in the language of the
/// mail even after their language setting changed.
pub fn is_reply_marker(line: &str) -> bool {
    let line = line.trim().trim_start_matches('>').trim();
    line.len() > 6 && line.starts_with("##-") && line.ends_with("-##")
}

/// Put each `{key}` of `template` in once, in one pass, so a value that itself contains
/// `{name}` is never read as a placeholder.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (close, *v))
        }) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_picks_its_language_and_anything_else_english() {
        assert_eq!(Phrases::for_language(Some("de-AT")).language, "de");
        assert_eq!(Phrases::for_language(Some("FR")).language, "fr");
        assert_eq!(Phrases::for_language(Some("nl_BE")).language, "nl");
        assert_eq!(Phrases::for_language(Some("pt-BR")).language, "en");
        assert_eq!(Phrases::for_language(Some("")).language, "en");
        assert_eq!(Phrases::for_language(None).language, "en");
    }

    #[test]
    fn every_translation_is_whole_and_its_marker_is_recognised() {
        for phrases in ALL {
            assert!(is_reply_marker(phrases.reply_above), "{}", phrases.language);
            let text = phrases.rating("Ann", "FL-7", "Lid", "https://x.test/r/1", "2026-12-31");
            for value in ["Ann", "FL-7", "Lid", "https://x.test/r/1", "2026-12-31"] {
                assert!(text.contains(value), "{}: {text}", phrases.language);
            }
            assert!(!text.contains('{'), "{}: {text}", phrases.language);
            assert!(phrases.file_too_large.ends_with(':'));
            assert!(phrases.files_too_large.ends_with(':'));
        }
        assert!(is_reply_marker(
            "> ##- Please type your reply above this line -##"
        ));
        assert!(!is_reply_marker("##-##"));
        assert!(!is_reply_marker("## Heading"));
    }

    #[test]
    fn a_value_is_put_in_once_and_never_read_as_a_placeholder() {
        let text = EN.rating("{subject}", "FL-1", "{name} {", "l", "u");
        assert!(text.starts_with("Hello {subject},"), "{text}");
        assert!(text.contains("({name} {)"), "{text}");
    }
}
