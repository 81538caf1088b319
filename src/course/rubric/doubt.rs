//! Where a learner says they do not know something: "I'm not sure why b and c were
//! involved", "no idea what each one costs", "why the shop kept believing it I couldn't
//! tell you". A careful instructor does not credit a key idea the learner says they cannot
//! explain, even when they describe what they saw around it ("b and c said 401").
//!
//! Only the learner's own admission counts, followed by what it is about: "b had no idea
//! what my cookie was" is about replica b, and "not sure if that's the whole cost, but …"
//! or "not 100% sure about the wording" hedges an answer that still states its point.

use super::text::Sentence;

/// What an admission is about: the words of one sentence it covers (`from..to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doubt {
    pub sentence: usize,
    pub from: usize,
    pub to: usize,
}

/// Words that ask about a reason or a place: what follows names the thing not known.
const WH: &[&str] = &["why", "how", "what", "where", "which", "who"];

/// Words that may stand between the admission and its question word ("not sure exactly
/// why", "no idea really how").
const FILLERS: &[&str] = &[
    "exactly", "really", "actually", "even", "quite", "at", "all",
];

/// Who may say it: the learner ("I", "I'm"), or nobody named ("Not sure why …", "…, no
/// idea why"). "b has no idea what my sid is" is about someone else.
const OWNERS: &[&str] = &[
    "i",
    "am",
    "im",
    "honestly",
    "tbh",
    "still",
    "just",
    "also",
    "really",
    "sorry",
    "but",
    "and",
    "though",
    "although",
    "yet",
    "so",
    "truly",
    "frankly",
    "genuinely",
    "totally",
];

/// Small words that say nothing about which idea an admission is about.
const GRAMMAR: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "to",
    "of", "in", "on", "at", "by", "for", "with", "from", "and", "or", "so", "as", "do", "does",
    "did", "has", "have", "had", "i", "you", "we", "they", "he", "she", "my", "me", "them",
    "there", "here", "then", "tbh", "sorry", "though", "honestly", "even", "exactly", "really",
    "actually", "not", "no", "one", "each", "every", "all", "any", "would", "could", "should",
    "can", "will", "just",
];

/// Whether a word is grammar, not content.
pub fn is_grammar(word: &str) -> bool {
    GRAMMAR.contains(&word)
}

/// Words after which a learner has since understood ("at first I had no idea why…").
const BEFORE_NOW: &[&[&str]] = &[
    &["at", "first"],
    &["at", "the", "start"],
    &["initially"],
    &["in", "the", "beginning"],
    &["used", "to"],
    &["before", "the", "lab"],
    &["first", "i"],
];

/// Words that say the learner later understood what puzzled them.
const UNDERSTOOD: &[&[&str]] = &[
    &["made", "sense"],
    &["makes", "sense"],
    &["now", "i", "get"],
    &["now", "i", "understand"],
    &["now", "i", "see"],
    &["now", "i", "know"],
    &["i", "realised"],
    &["i", "realized"],
    &["then", "i", "saw"],
    &["figured", "it", "out"],
    &["worked", "it", "out"],
    &["it", "clicked"],
    &["turns", "out"],
    &["turned", "out"],
];

/// Where the admission's words end, if one starts at `i`: "not (really) sure", "no idea",
/// "no clue", "do not (really) know / get / understand", "could not work out / figure out /
/// tell you / explain", "unsure", "dunno".
fn admission_at(w: &[&str], i: usize) -> Option<usize> {
    let at = |j: usize, set: &[&str]| w.get(j).is_some_and(|x| set.contains(x));
    let skip = |mut j: usize| {
        while at(
            j,
            &[
                "really",
                "entirely",
                "totally",
                "quite",
                "100",
                "completely",
                "honestly",
                "fully",
                "too",
                "so",
                "very",
            ],
        ) {
            j += 1;
        }
        j
    };
    match w[i] {
        "unsure" | "dunno" | "unclear" => Some(i + 1),
        "not" => {
            let j = skip(i + 1);
            at(j, &["sure", "certain", "clear"]).then_some(j + 1)
        }
        "no" => {
            let j = skip(i + 1);
            at(j, &["idea", "clue"]).then_some(j + 1)
        }
        "do" | "did" | "does" | "could" | "can" | "cannot" => {
            let mut j = i + 1;
            if w[i] != "cannot" {
                if !at(j, &["not"]) {
                    return None;
                }
                j += 1;
            }
            j = skip(j);
            if at(j, &["know", "get", "understand", "explain", "say"]) {
                Some(j + 1)
            } else if at(j, &["work", "figure"]) && at(j + 1, &["out"]) {
                Some(j + 2)
            } else if at(j, &["tell"]) {
                Some(j + 1 + usize::from(at(j + 1, &["you"])))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether the learner owns the admission starting at `i`: it opens the sentence or a
/// phrase, or follows "I", "I'm", "honestly" and the like.
fn owned(s: &Sentence, w: &[&str], i: usize) -> bool {
    i == 0 || s.clause[i] != s.clause[i - 1] || OWNERS.contains(&w[i - 1])
}

/// Every admission in the answer and the words it is about. None at all when the learner
/// says they later understood ("…, then it made sense").
pub fn doubts(sentences: &[Sentence]) -> Vec<Doubt> {
    let understood = sentences.iter().any(|s| {
        let w: Vec<&str> = s.words.iter().map(String::as_str).collect();
        (0..w.len()).any(|i| UNDERSTOOD.iter().any(|run| w[i..].starts_with(run)))
    });
    if understood {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (si, s) in sentences.iter().enumerate() {
        let w: Vec<&str> = s.words.iter().map(String::as_str).collect();
        for i in 0..w.len() {
            let Some(end) = admission_at(&w, i) else {
                continue;
            };
            if !owned(s, &w, i) || s.retracted_before > i {
                continue;
            }
            if (0..i).any(|j| BEFORE_NOW.iter().any(|run| w[j..i].starts_with(run))) {
                continue;
            }
            // "not sure (exactly) why X": X, to the end of its clause.
            let mut q = end;
            while w.get(q).is_some_and(|x| FILLERS.contains(x)) {
                q += 1;
            }
            if w.get(q).is_some_and(|x| WH.contains(x)) {
                let to = (q + 1..w.len())
                    .find(|&j| s.coarse[j] != s.coarse[q])
                    .unwrap_or(w.len());
                if (q + 1..to).any(|j| !FILLERS.contains(&w[j]) && !is_grammar(w[j])) {
                    out.push(Doubt {
                        sentence: si,
                        from: q + 1,
                        to,
                    });
                }
                continue;
            }
            // "Why the shop kept believing it I'm not sure": the question word opens the
            // sentence and the admission closes it.
            // (Up to two words may follow it in its phrase: "I'm not sure tbh".)
            let phrase_end = (end..w.len())
                .find(|&j| s.clause[j] != s.clause[end - 1])
                .unwrap_or(w.len());
            if WH.contains(&w[0]) && phrase_end <= end + 2 && i > 1 {
                let to = if i > 0 && matches!(w[i - 1], "i" | "im") {
                    i - 1
                } else if i > 1 && w[i - 2] == "i" && w[i - 1] == "am" {
                    i - 2
                } else {
                    i
                };
                if to > 1 {
                    out.push(Doubt {
                        sentence: si,
                        from: 1,
                        to,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::rubric::text::sentences;

    /// The words each admission is about, joined.
    fn about(answer: &str) -> Vec<String> {
        let read = sentences(answer);
        doubts(&read)
            .iter()
            .map(|d| read[d.sentence].words[d.from..d.to].join(" "))
            .collect()
    }

    #[test]
    fn finds_what_the_learner_says_they_do_not_know() {
        assert_eq!(
            about("Login in a's memory, not sure why b and c were even involved tbh."),
            vec!["b and c were even involved tbh"]
        );
        assert_eq!(
            about("I'm not sure how the login was stored in local mode, sorry."),
            vec!["the login was stored in local mode sorry"]
        );
        assert_eq!(
            about(
                "The ways are the denylist or short TTLs - I couldn't work out what each one costs."
            ),
            vec!["each one costs"]
        );
        assert_eq!(
            about("I don't really get why the replicas didn't pick up the change."),
            vec!["the replicas did not pick up the change"]
        );
        assert_eq!(
            about(
                "Why the shop kept believing it after the table changed I'm not sure - I expected the replicas to notice."
            ),
            vec!["the shop kept believing it after the table changed"]
        );
    }

    #[test]
    fn someone_elses_ignorance_and_hedges_are_not_admissions() {
        assert!(about("b had no idea what my sid was, so it said 401.").is_empty());
        assert!(about("The balancer has no idea which replica knows you.").is_empty());
        assert!(
            about("Not sure if that's the whole cost, but the list is server state.").is_empty()
        );
        assert!(
            about("I'm not 100% sure about the restart part, but I believe it works.").is_empty()
        );
        // Nothing follows the question word: a hedge on how it is put.
        assert!(about("Not sure how exactly, but the token is signed.").is_empty());
    }

    #[test]
    fn an_admission_later_understood_is_not_one() {
        assert!(
            about("At first I had no idea why b forgot me, but the journal showed the rotation.")
                .is_empty()
        );
        assert!(
            about("I didn't get why it was random. After watching the journal it made sense.")
                .is_empty()
        );
    }
}
