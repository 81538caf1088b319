//! Is a written answer in English? The rubrics are word groups in English, so an answer
//! in German or Portuguese finds none of them and would be told it is "a list of
//! keywords". It is told the truth instead, and keeps its way to self-assessment.
//!
//! Language identification is whatlang's (trigram profiles, no model file). Two guards
//! keep an English answer from ever being turned away: the detector must be sure
//! (`is_reliable`), and the answer must use almost none of English's commonest words:
//! terse English notes ("sess in RAM of a only; LB RR -> 401") still carry a few, and a
//! technical answer's English jargon (token, replica, JWKS) is not counted either way.

use std::sync::LazyLock;

use whatlang::{Detector, Lang, Script};

/// Latin and Esperanto are nobody's first language in a course room, and their trigrams
/// are what terse English jargon looks most like ("verified via JWKS, stateless").
static DETECTOR: LazyLock<Detector> =
    LazyLock::new(|| Detector::with_denylist(vec![Lang::Lat, Lang::Epo]));

/// English's commonest function words; an answer in English uses them whatever its style.
const ENGLISH: &[&str] = &[
    "the", "is", "are", "was", "were", "and", "to", "of", "it", "its", "that", "this", "with",
    "for", "not", "but", "because", "be", "by", "from", "has", "have", "had", "which", "when",
    "they", "their", "there", "what", "why", "how", "only", "every", "each", "can", "does", "did",
    "do", "will", "would", "so", "then", "than", "just", "my", "i", "me", "we", "you", "he", "his",
    "she", "her", "an", "or", "if", "at", "into", "after", "before", "still", "never", "no", "any",
    "all", "who", "where", "should", "could", "been", "being",
];

/// Function words of the languages a course room most often writes in besides English
/// (German, French, Spanish, Portuguese, Italian, Dutch, Catalan), none of them an English
/// word: an answer in one of them uses several whatever its jargon, a terse English note
/// none, however a trigram detector reads it.
const OTHER: &[&str] = &[
    "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "mit", "von", "zu", "auf", "für",
    "den", "dem", "des", "sich", "auch", "im", "bei", "jede", "wird", "le", "la", "les", "et",
    "est", "une", "du", "pas", "que", "dans", "pour", "sur", "avec", "qui", "el", "los", "las",
    "es", "por", "con", "para", "una", "del", "al", "lo", "se", "en", "y", "os", "um", "uma",
    "não", "com", "da", "do", "das", "dos", "em", "na", "é", "il", "di", "che", "non", "della",
    "per", "het", "een", "van", "niet", "ook", "zijn", "els", "amb", "és", "ja",
];

/// Fewer than this many words and no language can be told apart reliably.
const MIN_WORDS: usize = 8;

/// The language an answer is written in, when it is surely not English. `words` are the
/// answer's words as the reading has them (lower-case).
pub fn not_english(text: &str, words: &[&str]) -> Option<Lang> {
    if words.len() < MIN_WORDS {
        return None;
    }
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    // Fewer than one word in twelve: of the blind corpus's 18,000 English answers, those
    // the detector calls something else have at least one in eight (a terse note read as
    // Catalan); its answers in German, French, Spanish and Portuguese at most one in
    // fourteen. Counted first: it is cheap, and no English answer gets past it to the
    // detector.
    if count(ENGLISH) * 12 >= words.len() {
        return None;
    }
    let info = DETECTOR.detect(text)?;
    // Another script (Cyrillic, Han, Arabic…) is never English, whatever the detector's
    // confidence in which language it is.
    if info.script() != Script::Latin {
        return Some(info.lang());
    }
    (info.lang() != Lang::Eng && info.is_reliable() && count(OTHER) >= 3).then_some(info.lang())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Option<Lang> {
        let words = crate::course::rubric::text::words(text);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        not_english(text, &words)
    }

    #[test]
    fn answers_in_other_languages_are_named() {
        for (text, lang) in [
            (
                "Die Session stand nur im Arbeitsspeicher von Replica b, dort lief der Login. \
                 Der Balancer verteilt reihum, also landete der nächste Request auf c bzw. a, \
                 die kennen diese sid nicht und antworten 401.",
                Lang::Deu,
            ),
            (
                "El login se guardaba en la memoria de una sola réplica. El balanceador \
                 reparte por turnos, así que las peticiones siguientes iban a réplicas que no \
                 tenían ese sid y devolvían 401.",
                Lang::Spa,
            ),
            (
                "L'état était dans le jeton que je garde et renvoie à chaque requête. Après le \
                 redémarrage les répliques n'avaient rien en mémoire, mais elles n'en ont pas \
                 besoin.",
                Lang::Fra,
            ),
        ] {
            assert_eq!(check(text), Some(lang), "{text}");
        }
        assert!(check("Логин хранился только в памяти одной реплики, балансировщик отправлял запросы на другие").is_some());
    }

    #[test]
    fn english_in_any_style_is_english() {
        for text in [
            "sess in RAM of a only; LB RR -> b,c no rec -> 401; fix: redis shared store, all pods read it",
            "Login state = the token I carry. Replicas verify sig w/ JWKS pubkey, no lookup, restart loses nothing.",
            "The login was kept only in replica a's memory; the balancer sent later requests to b and c which had no record.",
            "in-memory per-replica session; RR balancer routes to b/c, sid unknown there -> 401. shared store or signed JWT fixes",
            "Pod A kept sess in heap. Ingress RR → pods B/C, sid unknown → 401. Fix = redis-backed store.",
            "Bob's admin role lived inside his JWT; replicas only verify sig+exp, never re-read the user table.",
            // Two notes from the blind corpus the detector reads as Catalan and Latin.
            "state: client-side JWT. trust: JWKS public key verifies signature, no stored session, \
             restart irrelevant. refusal: base64url payload readable/editable, but modified payload \
             != signed payload -> invalid signature.",
            "- state: JWT (client)\n- after restart: verified via JWKS public key, stateless\n- edit: refused",
        ] {
            assert_eq!(check(text), None, "{text}");
        }
        assert_eq!(check("too short to tell"), None);
    }
}
