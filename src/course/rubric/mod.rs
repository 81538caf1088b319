//! A problem's rubric compiled once, when the course loads: word groups, stems, typo
//! tolerance and regexes, ready to be matched against any number of answers.
//!
//! How an author writes a concept (see the README, "How the grader reads an answer"):
//! `match = ["token | jwt | wristband + client | browser | my side"]`. Each string is one
//! way to say the idea: groups joined by `+` must all appear inside one clause of the
//! answer, in any order; `|` separates alternatives inside a group; an alternative may be
//! several words ("my side"), matched in order and next to each other;
//! `@name` stands for a named group from the rubric's `[rubric.words]` table. Words are
//! compared by Snowball stem, with typos allowed in longer words. A match stated in the
//! negative does not count, unless the group itself says "no"/"not" (as in "no record").
//! `patterns` (regular expressions) remain as an escape hatch.

pub mod doubt;
pub mod lexicon;
pub mod negation;
pub mod text;

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use lexicon::{Lexicon, TermId};
use text::Sentence;

/// How far the groups of one `match` entry may be spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Between commas and joining words ("and", "because", "which").
    Phrase,
    /// Between `;` and contrast words ("but", "whereas"): the default for concepts.
    #[default]
    Clause,
    /// The whole sentence.
    Sentence,
}

/// A rubric entry that does not compile, with the field it sits in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RubricError {
    /// The TOML key path, e.g. `rubric.concepts[0].match[2]`.
    pub field: String,
    pub message: String,
}

/// The terms of one alternative, kept inline when there are few: a course has tens of
/// thousands of alternatives, nearly all of one to three words, and one allocation each
/// was most of what loading a course cost.
#[derive(Debug, Clone)]
enum Terms {
    Inline { len: u8, ids: [TermId; 3] },
    Heap(Box<[TermId]>),
}

/// Filled inline, moved to the heap only when a fourth term comes.
impl FromIterator<TermId> for Terms {
    fn from_iter<I: IntoIterator<Item = TermId>>(iter: I) -> Terms {
        let (mut ids, mut len, mut more) = ([0; 3], 0, Vec::new());
        for id in iter {
            if len < 3 {
                ids[len] = id;
                len += 1;
            } else {
                if more.is_empty() {
                    more.extend_from_slice(&ids);
                }
                more.push(id);
            }
        }
        if more.is_empty() {
            Terms::Inline {
                len: len as u8,
                ids,
            }
        } else {
            Terms::Heap(more.into())
        }
    }
}

impl std::ops::Deref for Terms {
    type Target = [TermId];
    fn deref(&self) -> &[TermId] {
        match self {
            Terms::Inline { len, ids } => &ids[..usize::from(*len)],
            Terms::Heap(ids) => ids,
        }
    }
}

/// One sequence of words (an alternative inside a group).
#[derive(Debug, Clone)]
struct Words {
    terms: Terms,
    /// It says "no"/"not" itself, so negation is its meaning, not a denial.
    negates: bool,
    /// Gaps (bit `i`: after word `i`) where the author wrote a comma or another mark that
    /// parts an answer's words: the words may stand on either side of one there.
    breaks: u32,
}

#[derive(Debug, Clone)]
struct Group {
    alternatives: Vec<Words>,
}

#[derive(Debug, Clone)]
enum Matcher {
    Groups(Vec<Group>),
    Regex { re: Pattern, owns_negation: bool },
}

/// A regex whose syntax was checked when the course loaded and whose automaton is built
/// the first time an answer meets it: building the automata was a fifth of each course
/// load, for patterns most runs never reach. `course check` builds every one.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    fold_case: bool,
    built: std::sync::OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// Checks the syntax only (cheap); the automaton waits for `regex`.
    fn parse(source: &str) -> Result<Pattern, String> {
        let fold_case = needs_case_folding(source);
        regex_syntax::ParserBuilder::new()
            .case_insensitive(fold_case)
            .build()
            .parse(source)
            .map_err(|e| pattern_message(&e.to_string()))?;
        Ok(Pattern {
            source: source.to_string(),
            fold_case,
            built: std::sync::OnceLock::new(),
        })
    }

    /// The automaton, built on first use; an error only a build can find (a pattern too
    /// big for the size limit) makes it match nothing, and `course check` reports it.
    fn regex(&self) -> Result<&Regex, &str> {
        self.built
            .get_or_init(|| {
                RegexBuilder::new(&self.source)
                    .case_insensitive(self.fold_case)
                    .build()
                    .map_err(|e| pattern_message(&e.to_string()))
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A concept or misconception, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    matchers: Vec<Matcher>,
    /// Where each matcher came from (`match[2]`), so a verdict can say which line fired.
    sources: Vec<Source>,
    scope: Scope,
    /// A wrong claim: only asserted statements count, not ones under "if" or "unless".
    claim: bool,
    /// Alternatives whose nearby words, in the same clause, this rule ignores (`not_with`).
    not_with: Vec<Words>,
    /// How many words one match may spread over (`span`), if it is held to any.
    span: Option<usize>,
    /// Every rubric word its word groups use, sorted: what a learner's "not sure why …"
    /// is weighed against to tell which idea they mean.
    vocabulary: Vec<TermId>,
}

/// Where a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub sentence: usize,
    pub negated: bool,
    /// Which of the rule's lines matched (see [`Rule::source`]).
    pub line: usize,
}

/// A whole rubric, compiled: concepts and misconceptions in file order.
#[derive(Debug, Clone, Default)]
pub struct CompiledRubric {
    pub concepts: Vec<Rule>,
    pub misconceptions: Vec<Rule>,
    lexicon: Lexicon,
}

/// The compiled form is derived from the rubric it sits beside; comparing rubrics is enough.
impl PartialEq for CompiledRubric {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// What a concept and a misconception share, for compiling either.
struct Entry<'a> {
    id: &'a str,
    matches: &'a [String],
    phrases: &'a [String],
    patterns: &'a [String],
    scope: Option<Scope>,
    not_with: &'a [String],
    span: Option<usize>,
}

/// An answer read once: its sentences, and for each word the rubric words it stands for.
pub struct Reading {
    pub sentences: Vec<Sentence>,
    words: Vec<SentenceTerms>,
}

/// One sentence's words as rubric words: for each word the terms it stands for, and every
/// (term, position) pair sorted, so a rule finds where a term starts without scanning.
struct SentenceTerms {
    at: Vec<Vec<TermId>>,
    index: Vec<(TermId, usize)>,
}

impl SentenceTerms {
    fn new(at: Vec<Vec<TermId>>) -> SentenceTerms {
        let mut index: Vec<(TermId, usize)> = at
            .iter()
            .enumerate()
            .flat_map(|(i, ts)| ts.iter().map(move |&t| (t, i)))
            .collect();
        index.sort_unstable();
        SentenceTerms { at, index }
    }

    /// Positions of the words that stand for `t`, in order.
    fn positions(&self, t: TermId) -> impl Iterator<Item = usize> + '_ {
        let from = self.index.partition_point(|&(x, _)| x < t);
        self.index[from..]
            .iter()
            .take_while(move |&&(x, _)| x == t)
            .map(|&(_, i)| i)
    }
}

/// Which entry of a concept or misconception a matcher was compiled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Match(usize),
    Phrase(usize),
    Pattern(usize),
}

impl Rule {
    /// The rubric entry a hit came from.
    pub fn source(&self, hit: &Hit) -> Option<Source> {
        self.sources.get(hit.line).copied()
    }

    /// How many word groups the line behind a hit needed: a hit on "edit + signature +
    /// broken" says more than one on "edit + signature", so it is the better quote.
    pub fn groups(&self, hit: &Hit) -> usize {
        match self.matchers.get(hit.line) {
            Some(Matcher::Groups(groups)) => groups.len(),
            _ => 1,
        }
    }
}

impl CompiledRubric {
    /// Compile a rubric; every entry that does not compile is reported with its field.
    pub fn compile(rubric: &super::problem::Rubric) -> Result<CompiledRubric, Vec<RubricError>> {
        let mut errors = Vec::new();
        let mut lexicon = Lexicon::default();
        for (i, w) in rubric.real_words.iter().enumerate() {
            if w.is_empty() || !w.chars().all(|c| c.is_ascii_lowercase()) {
                errors.push(RubricError {
                    field: format!("rubric.real_words[{i}]"),
                    message: format!(
                        "{:?} is not one lower-case word of letters a-z",
                        w.chars().take(40).collect::<String>()
                    ),
                });
            }
        }
        lexicon.keep_as_words(rubric.real_words.iter().cloned());
        // Each named group is read once, when first named: a big group (`@delete`) is named
        // by dozens of lines. Not before: the first form of a stem the lexicon meets is the
        // one typos are measured against, so the reading order must stay as it was.
        let mut named = Named::new(&rubric.words);
        let mut rules =
            |table: &str, entries: Vec<Entry<'_>>, default_scope: Scope, claim: bool| {
                entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let Entry {
                            id,
                            matches,
                            phrases,
                            patterns,
                            scope,
                            not_with,
                            span,
                        } = e;
                        if span.is_some_and(|n| n < 2) {
                            errors.push(RubricError {
                                field: format!("rubric.{table}[{i}].span"),
                                message: "at least 2 (words a match line may spread over)".into(),
                            });
                        }
                        let mut matchers = Vec::new();
                        let mut not_with_words = Vec::new();
                        for (j, n) in not_with.iter().enumerate() {
                            match parse_groups(n, &mut named, &mut lexicon) {
                                Ok(groups) if groups.len() == 1 => not_with_words
                                    .extend(groups.into_iter().flat_map(|g| g.alternatives)),
                                Ok(_) => errors.push(RubricError {
                                    field: format!("rubric.{table}[{i}].not_with[{j}]"),
                                    message: "one group of alternatives (`a | b`), no `+`".into(),
                                }),
                                Err(message) => errors.push(RubricError {
                                    field: format!("rubric.{table}[{i}].not_with[{j}]"),
                                    message,
                                }),
                            }
                        }
                        let mut sources = Vec::new();
                        for (j, m) in matches.iter().enumerate() {
                            match parse_groups(m, &mut named, &mut lexicon) {
                                Ok(groups) => {
                                    matchers.push(Matcher::Groups(groups));
                                    sources.push(Source::Match(j));
                                }
                                Err(message) => errors.push(RubricError {
                                    field: format!("rubric.{table}[{i}].match[{j}]"),
                                    message,
                                }),
                            }
                        }
                        for (j, p) in phrases.iter().enumerate() {
                            // A phrase is a one-group match whose `|` and `+` are literal text.
                            match words(p, &mut lexicon) {
                                Some(w) => {
                                    matchers.push(Matcher::Groups(vec![Group {
                                        alternatives: vec![w],
                                    }]));
                                    sources.push(Source::Phrase(j));
                                }
                                None => errors.push(RubricError {
                                    field: format!("rubric.{table}[{i}].phrases[{j}]"),
                                    message: "the phrase has no words".into(),
                                }),
                            }
                        }
                        for (j, p) in patterns.iter().enumerate() {
                            match Pattern::parse(p) {
                                Ok(re) => {
                                    matchers.push(Matcher::Regex {
                                        re,
                                        owns_negation: negation::mentions_negation(p),
                                    });
                                    sources.push(Source::Pattern(j));
                                }
                                Err(message) => errors.push(RubricError {
                                    field: format!("rubric.{table}[{i}].patterns[{j}]"),
                                    message,
                                }),
                            }
                        }
                        if matchers.is_empty()
                            && matches.is_empty()
                            && phrases.is_empty()
                            && patterns.is_empty()
                        {
                            errors.push(RubricError {
                                field: format!("rubric.{table}[{i}].match"),
                                message:
                                    "nothing to match: give `match` (word groups) or `patterns`"
                                        .into(),
                            });
                        }
                        // Only concepts are weighed against an admission; a course has
                        // ten times as many wrong claims, so they skip this.
                        let mut vocabulary: Vec<TermId> = matchers
                            .iter()
                            .filter(|_| !claim)
                            .filter_map(|m| match m {
                                Matcher::Groups(groups) => Some(groups),
                                Matcher::Regex { .. } => None,
                            })
                            .flatten()
                            .flat_map(|g| &g.alternatives)
                            .flat_map(|w| w.terms.iter().copied())
                            .collect();
                        vocabulary.sort_unstable();
                        vocabulary.dedup();
                        Rule {
                            id: id.to_string(),
                            vocabulary,
                            matchers,
                            sources,
                            scope: scope.unwrap_or(default_scope),
                            claim,
                            not_with: not_with_words,
                            // Wrong claims are held to CLAIM_SPAN unless the author says.
                            span: span.or(claim.then_some(CLAIM_SPAN)),
                        }
                    })
                    .collect::<Vec<_>>()
            };
        let concepts = rules(
            "concepts",
            rubric
                .concepts
                .iter()
                .map(|c| Entry {
                    id: &c.id,
                    matches: &c.matches,
                    phrases: &c.phrases,
                    patterns: &c.patterns,
                    scope: c.scope,
                    not_with: &c.not_with,
                    span: c.span,
                })
                .collect(),
            Scope::Clause,
            false,
        );
        let misconceptions = rules(
            "misconceptions",
            rubric
                .misconceptions
                .iter()
                .map(|m| Entry {
                    id: &m.id,
                    matches: &m.matches,
                    phrases: &m.phrases,
                    patterns: &m.patterns,
                    scope: m.scope,
                    not_with: &m.not_with,
                    span: m.span,
                })
                .collect(),
            Scope::Phrase,
            true,
        );
        // Every group, named by a line or not, is read to find what is wrong with it.
        for (name, group) in &rubric.words {
            let message = if group.split('|').any(|alt| alt.trim().is_empty()) {
                Some("an empty alternative (two `|` in a row, or a `|` at an end)".to_string())
            } else {
                named.get(name, &mut lexicon).and_then(Result::err)
            };
            if let Some(message) = message {
                errors.push(RubricError {
                    field: format!("rubric.words.{name}"),
                    message,
                });
            }
        }
        if errors.is_empty() {
            Ok(CompiledRubric {
                concepts,
                misconceptions,
                lexicon,
            })
        } else {
            Err(errors)
        }
    }

    /// Builds every pattern's automaton now, for `course check`: the errors only a build
    /// finds (a pattern past the size limit), each at its field.
    pub fn build_patterns(&self) -> Vec<RubricError> {
        let mut errors = Vec::new();
        let tables = [
            ("concepts", &self.concepts),
            ("misconceptions", &self.misconceptions),
        ];
        for (table, rules) in tables {
            for (i, rule) in rules.iter().enumerate() {
                for (m, source) in rule.matchers.iter().zip(&rule.sources) {
                    if let (Matcher::Regex { re, .. }, Source::Pattern(j)) = (m, source)
                        && let Err(message) = re.regex()
                    {
                        errors.push(RubricError {
                            field: format!("rubric.{table}[{i}].patterns[{j}]"),
                            message: message.to_string(),
                        });
                    }
                }
            }
        }
        errors
    }

    /// Match lines that can never fire, for `course check`: a group every alternative of
    /// which holds words the entry's own `not_with` sets aside ("signs and verifies with the
    /// public key" beside a `not_with` of "verifies with the public key"), so each place it
    /// could match is taken away again.
    pub fn never_matching(&self) -> Vec<RubricError> {
        let mut errors = Vec::new();
        let tables = [
            ("concepts", &self.concepts),
            ("misconceptions", &self.misconceptions),
        ];
        for (table, rules) in tables {
            for (i, rule) in rules.iter().enumerate() {
                for (m, source) in rule.matchers.iter().zip(&rule.sources) {
                    let Matcher::Groups(groups) = m else { continue };
                    let field = match source {
                        Source::Match(j) => format!("rubric.{table}[{i}].match[{j}]"),
                        Source::Phrase(j) => format!("rubric.{table}[{i}].phrases[{j}]"),
                        Source::Pattern(_) => continue,
                    };
                    let set_aside = |w: &Words| {
                        rule.not_with.iter().any(|n| {
                            w.terms
                                .windows(n.terms.len())
                                .take(NOT_WITH_REACH + 1)
                                .any(|run| run == &n.terms[..])
                        })
                    };
                    if let Some(gi) = groups
                        .iter()
                        .position(|g| g.alternatives.iter().all(set_aside))
                    {
                        errors.push(RubricError {
                            field,
                            message: format!(
                                "never matches: every alternative of group {} holds words \
                                 this entry's `not_with` sets aside",
                                gi + 1
                            ),
                        });
                    }
                }
            }
        }
        errors
    }

    /// Stems of every word the rubric's groups use (its vocabulary, for the topic screen).
    pub fn vocabulary(&self) -> impl Iterator<Item = &str> {
        self.lexicon.stems()
    }

    /// Read an answer once, for any number of [`CompiledRubric::hits`] calls.
    pub fn read(&self, answer: &str) -> Reading {
        let sentences = text::sentences(answer);
        let words = sentences
            .iter()
            .map(|s| {
                SentenceTerms::new(
                    s.words
                        .iter()
                        .zip(&s.stems)
                        .map(|(w, st)| self.lexicon.lookup(w, st))
                        .collect(),
                )
            })
            .collect();
        Reading { sentences, words }
    }

    /// The concepts the learner says they do not know (by index in `concepts`), each with
    /// the sentence where they say so. An admission ("not sure why b and c were involved")
    /// is about the concept whose words it shares most, a word weighing less the more
    /// concepts use it; a tie names every concept in it. It withholds that concept when it
    /// echoes the written question (`question`: "why the shop kept believing it I'm not
    /// sure") or when its own sentence is where the concept was read ("401 from b and c, not
    /// sure why b and c were involved"); an aside about a detail said elsewhere ("not sure
    /// how often the keys change in a real system", "no idea how big a denylist gets")
    /// leaves the answer's points standing: measured on a blind room of careful hedgers, it
    /// had refused 14 of their 80 right answers.
    pub fn doubted(&self, reading: &Reading, question: &str) -> Vec<(usize, usize)> {
        // The question's own words, as stems ("token" is in every part of some questions,
        // so it echoes none in particular).
        let asked: Vec<String> = text::words(question)
            .iter()
            .filter(|w| !doubt::is_grammar(w) && !matches!(w.as_str(), "token" | "tokens"))
            .map(|w| text::stem(w))
            .collect();
        let mut out: Vec<(usize, usize)> = Vec::new();
        for d in doubt::doubts(&reading.sentences) {
            let s = &reading.sentences[d.sentence];
            let mut terms: Vec<TermId> = (d.from..d.to)
                .filter(|&i| !doubt::is_grammar(&s.words[i]))
                .flat_map(|i| reading.words[d.sentence].at[i].iter().copied())
                .collect();
            terms.sort_unstable();
            terms.dedup();
            let uses = |c: &Rule, t: &TermId| c.vocabulary.binary_search(t).is_ok();
            let scores: Vec<f64> = self
                .concepts
                .iter()
                .map(|c| {
                    terms
                        .iter()
                        .filter(|t| uses(c, t))
                        .map(|t| 1.0 / self.concepts.iter().filter(|o| uses(o, t)).count() as f64)
                        .sum()
                })
                .collect();
            let best = scores.iter().copied().fold(0.0, f64::max);
            if best <= 0.0 {
                continue;
            }
            let mut tied: Vec<usize> = (0..scores.len()).filter(|&c| scores[c] == best).collect();
            let echoes = (d.from..d.to).any(|i| asked.contains(&s.stems[i]));
            // Words every idea uses ("b and c") tie: the idea the same sentence was read as
            // saying is the one the learner doubts
            // ("401 from b and c, not sure why b and c were involved").
            let said_here: Vec<usize> = tied
                .iter()
                .copied()
                .filter(|&c| {
                    // Not denied hits: counting the words after "not sure why" too refused
                    // four of M5's right answers for asides ("not sure how the shared store
                    // is run underneath").
                    self.hits(&self.concepts[c], reading)
                        .iter()
                        .any(|h| h.sentence == d.sentence && !h.negated)
                })
                .collect();
            if !said_here.is_empty() {
                tied = said_here;
            } else if !echoes {
                continue;
            }
            for ci in tied {
                if !out.iter().any(|&(c, _)| c == ci) {
                    out.push((ci, d.sentence));
                }
            }
        }
        out
    }

    /// The rubric word an answer's word (lower-case) is read as a misspelling of, if any.
    pub fn read_as_typo_of(&self, word: &str) -> Option<&str> {
        self.lexicon.read_as_typo_of(word, &text::stem(word))
    }

    /// The rubric word an answer's word (lower-case) is read as through a shared stem
    /// though it is another word ("identical" as "identity"), if any.
    pub fn read_by_stem_as(&self, word: &str) -> Option<&str> {
        self.lexicon.read_by_stem_as(word, &text::stem(word))
    }

    /// Every place `rule` matches in the answer.
    pub fn hits(&self, rule: &Rule, reading: &Reading) -> Vec<Hit> {
        let mut out = Vec::new();
        for (si, s) in reading.sentences.iter().enumerate() {
            let terms = &reading.words[si];
            // Words said next to something else (`not_with`) are about that, not this rule.
            let elsewhere: Vec<usize> = rule
                .not_with
                .iter()
                .flat_map(|w| occurrences(s, terms, w))
                .map(|(a, _)| a)
                .collect();
            for (line, m) in rule.matchers.iter().enumerate() {
                match m {
                    Matcher::Groups(groups) => {
                        if let Some(negated) = match_groups(s, terms, groups, rule, &elsewhere) {
                            out.push(Hit {
                                sentence: si,
                                negated,
                                line,
                            });
                        }
                    }
                    Matcher::Regex { re, owns_negation } => {
                        let Ok(re) = re.regex() else { continue };
                        out.extend(
                            match_regex(s, re, *owns_negation)
                                .into_iter()
                                .map(|negated| Hit {
                                    sentence: si,
                                    negated,
                                    line,
                                }),
                        );
                    }
                }
            }
        }
        out
    }
}

/// `[rubric.words]`, each group read into its alternatives when a line first names it.
///
/// A group may take in another (`@lookup`) and leave words out of it (`-401`), so a
/// narrower group is written as its difference from a wider one rather than as a copy that
/// drifts from it.
struct Named<'a> {
    defs: &'a BTreeMap<String, String>,
    read: BTreeMap<&'a str, Result<Vec<Words>, String>>,
    /// The groups being read now, outermost first: a group that takes itself in, directly
    /// or through others, would never finish.
    reading: Vec<&'a str>,
}

impl<'a> Named<'a> {
    fn new(defs: &'a BTreeMap<String, String>) -> Self {
        Named {
            defs,
            read: BTreeMap::new(),
            reading: Vec::new(),
        }
    }

    /// The group's alternatives, or why it cannot be used (`None`: no such group).
    fn get(&mut self, name: &str, lexicon: &mut Lexicon) -> Option<Result<Vec<Words>, String>> {
        let (key, def) = self.defs.get_key_value(name)?;
        if let Some(read) = self.read.get(key.as_str()) {
            return Some(read.clone());
        }
        if let Some(at) = self.reading.iter().position(|&r| r == key) {
            let mut path: Vec<&str> = self.reading[at..].to_vec();
            path.push(key);
            return Some(Err(format!(
                "word groups take each other in, in a circle: @{}",
                path.join(" → @")
            )));
        }
        self.reading.push(key);
        let read = self.read_definition(key, def, lexicon);
        self.reading.pop();
        self.read.insert(key, read.clone());
        Some(read)
    }

    /// `a | b c | @other | -b c`: words, other groups taken in, and words left out.
    fn read_definition(
        &mut self,
        name: &str,
        def: &str,
        lexicon: &mut Lexicon,
    ) -> Result<Vec<Words>, String> {
        let (mut kept, mut left_out) = (Vec::new(), Vec::new());
        for alt in def.split('|').map(str::trim) {
            if let Some(other) = alt.strip_prefix('@').map(str::trim) {
                match self.get(other, lexicon) {
                    Some(read) => kept.extend(read?),
                    None => {
                        return Err(format!(
                            "`@{name}` takes in `@{other}`, which is not in [rubric.words]"
                        ));
                    }
                }
            } else if let Some(cut) = alt.strip_prefix('-') {
                let Some(w) = words(cut, lexicon) else {
                    return Err(format!("`@{name}` has a `-` with no words after it"));
                };
                left_out.push((cut.trim(), w));
            } else if let Some(w) = words(alt, lexicon) {
                // An empty alternative here is reported once, on the group itself.
                kept.push(w);
            }
        }
        for (said, w) in &left_out {
            // Leaving out what is not there is a slip (a typo, or a word since renamed):
            // the author believes a word is gone that never was.
            if !kept.iter().any(|k| k.terms[..] == w.terms[..]) {
                return Err(format!(
                    "`@{name}` leaves out `{said}`, which none of its other alternatives say"
                ));
            }
        }
        kept.retain(|k| !left_out.iter().any(|(_, w)| k.terms[..] == w.terms[..]));
        Ok(kept)
    }
}

/// Parse `a | b c + @name` into groups, interning every word.
fn parse_groups(
    source: &str,
    named: &mut Named<'_>,
    lexicon: &mut Lexicon,
) -> Result<Vec<Group>, String> {
    let mut groups = Vec::new();
    for (gi, group) in source.split('+').enumerate() {
        let mut alternatives = Vec::new();
        for alt in group.split('|') {
            let alt = alt.trim();
            if let Some(name) = alt.strip_prefix('@') {
                let Some(read) = named.get(name, lexicon) else {
                    let known: Vec<&str> = named.defs.keys().map(String::as_str).collect();
                    return Err(format!(
                        "no word group `@{name}` in [rubric.words] (known: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ));
                };
                // The fault itself is named once, at the group.
                alternatives.extend(
                    read.map_err(|_| {
                        format!("`@{name}` cannot be used (see rubric.words.{name})")
                    })?,
                );
                continue;
            }
            match words(alt, lexicon) {
                Some(w) => alternatives.push(w),
                None => {
                    return Err(format!(
                        "group {} has an empty alternative (two `|` in a row, or a `|` at an end)",
                        gi + 1
                    ));
                }
            }
        }
        if alternatives.is_empty() {
            return Err(format!("group {} is empty", gi + 1));
        }
        groups.push(Group { alternatives });
    }
    Ok(groups)
}

/// One alternative's words, normalised exactly as answers are.
fn words(alt: &str, lexicon: &mut Lexicon) -> Option<Words> {
    plain_words(alt, lexicon).unwrap_or_else(|| read_words(alt, lexicon))
}

/// Plain lower-case words with nothing to expand read the same either way, so they are
/// read word by word through the lexicon, without building strings for the phrase
/// ("server-side" and "admin/revoke" too: a lone `-` or `/` only parts two words).
/// `None`: not plain, read it with [`read_words`].
fn plain_words(alt: &str, lexicon: &mut Lexicon) -> Option<Option<Words>> {
    let plain = alt.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'/' | b'_')
    }) && !alt.contains("->");
    if !plain || alt.split(' ').any(text::expands) {
        return None;
    }
    let mut negates = false;
    let terms: Terms = alt
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            negates |= negation::has_negator(w);
            lexicon.intern_word(w)
        })
        .collect();
    Some((!terms.is_empty()).then_some(Words {
        terms,
        negates,
        breaks: 0,
    }))
}

/// Any alternative, normalised exactly as an answer's words are.
fn read_words(alt: &str, lexicon: &mut Lexicon) -> Option<Words> {
    let read = text::phrase_words(alt);
    let (words, stems) = (&read.0, &read.1);
    if words.is_empty() {
        return None;
    }
    let negates = negation::names_a_negator(words);
    let terms = words
        .iter()
        .zip(stems)
        .map(|(w, st)| lexicon.intern(w, st))
        .collect();
    Some(Words {
        terms,
        negates,
        breaks: text::phrase_breaks(alt),
    })
}

/// Where one alternative occurs in a sentence: (first word, last word).
fn occurrences(s: &Sentence, terms: &SentenceTerms, words: &Words) -> Vec<(usize, usize)> {
    let has = |i: usize, t: TermId| terms.at[i].contains(&t);
    let mut out = Vec::new();
    for start in terms.positions(words.terms[0]) {
        let mut at = start;
        let mut ok = true;
        // Words of one alternative stand together, so "session store" never reads
        // "the session was stored"; across a comma only where the author wrote one.
        for (gap, &t) in words.terms[1..].iter().enumerate() {
            let next = at + 1;
            let parted_here = gap < 32 && words.breaks & (1 << gap) != 0;
            if next < s.words.len()
                && (s.segment[next] == s.segment[at] || parted_here)
                && has(next, t)
            {
                at = next;
            } else {
                ok = false;
                break;
            }
        }
        if ok {
            out.push((start, at));
        }
    }
    out
}

/// Whether every group meets inside one unit of `scope`: `Some(false)` for a plain match,
/// `Some(true)` when every way it meets is denied, `None` when it never meets.
fn match_groups(
    s: &Sentence,
    terms: &SentenceTerms,
    groups: &[Group],
    rule: &Rule,
    elsewhere: &[usize],
) -> Option<bool> {
    let (scope, claim) = (rule.scope, rule.claim);
    // Where each group's words occur, found once (not once per clause): (first word, last
    // word, whether the alternative says "no"/"not" itself). A group found nowhere ends it.
    let mut found: Vec<Vec<(usize, usize, bool)>> = Vec::with_capacity(groups.len());
    for g in groups {
        let places: Vec<(usize, usize, bool)> = g
            .alternatives
            .iter()
            .flat_map(|w| {
                occurrences(s, terms, w)
                    .into_iter()
                    .filter(|&(a, _)| {
                        !elsewhere
                            .iter()
                            .any(|&e| a.abs_diff(e) <= NOT_WITH_REACH && s.coarse[a] == s.coarse[e])
                    })
                    .map(move |(a, b)| (a, b, w.negates))
            })
            .collect();
        if places.is_empty() {
            return None;
        }
        found.push(places);
    }
    let whole;
    let unit: &[usize] = match scope {
        Scope::Phrase => &s.clause,
        Scope::Clause => &s.coarse,
        Scope::Sentence => {
            whole = vec![0; s.words.len()];
            &whole
        }
    };
    let mut units: Vec<usize> = unit.to_vec();
    units.dedup();
    let mut seen_negated = false;
    for u in units {
        // When one group says "no"/"not" itself ("does not match"), the negation is the
        // idea, so it does not deny the other groups' words either ("the signature").
        let owns = found
            .iter()
            .flatten()
            .any(|&(a, _, negates)| negates && unit[a] == u);
        let mut all_present = true;
        let mut all_positive = true;
        // A wrong claim must be asserted somewhere: "if replica a crashed, …" supposes,
        // but "if I log out, the token is invalid at once" asserts its second half.
        let mut asserted = !claim;
        // Where each group is said in the positive here: (first word, last word).
        let mut positives: Vec<Vec<(usize, usize)>> = Vec::with_capacity(found.len());
        for g in &found {
            let mut present = false;
            let mut here = Vec::new();
            // A claim is made in the learner's own words, not inside a quoted command.
            for &(a, b, _) in g
                .iter()
                .filter(|&&(a, _, _)| unit[a] == u && !(claim && s.quoted[a]))
            {
                present = true;
                // A wrong claim's words inside a question ("Could I fix it for free? Not
                // really: …") are asked, not said; a question answered "yes" is not asked.
                let denied = (claim && s.asked[a])
                    || (!claim && (s.guessed[a] || unexplained(s, a)))
                    || (!owns && negation::is_negated(s, a, b, false));
                if !denied {
                    here.push((a, b));
                    asserted |= !hypothetical(s, a);
                }
            }
            all_present &= present;
            all_positive &= !here.is_empty();
            positives.push(here);
            if !all_present {
                break;
            }
        }
        // Words that lie too far apart were never said together here, denied or not.
        if all_present
            && all_positive
            && rule
                .span
                .is_some_and(|span| !within_reach(&positives, scope, span))
        {
            continue;
        }
        if all_present {
            if all_positive && asserted {
                return Some(false);
            }
            seen_negated = true;
        }
    }
    seen_negated.then_some(true)
}

/// Whether the word at `i` comes after "not sure why", "no idea why" or "do not know why"
/// in its sentence: what follows is reported, not explained, so it earns no key idea ("I'm
/// not sure why the replicas didn't notice the change in the user table"). Measured on the
/// development half: every answer with such a phrase was labelled wrong.
fn unexplained(s: &Sentence, i: usize) -> bool {
    // So is a puzzled question ("Why didn't the replicas pick up the change?"), but not the
    // written question repeated as a heading ("Why is logging out harder with tokens?").
    let asks_why = s.asked[i]
        && (0..i).any(|j| {
            s.asked[j] && s.words[j] == "why" && s.words.get(j + 2).is_some_and(|w| w == "not")
        });
    asks_why
        || (1..i.min(s.words.len())).any(|j| {
            let before = s.words[j - 1].as_str();
            s.words[j] == "why"
                && (matches!(before, "unsure" | "wonder")
                    || (matches!(before, "sure" | "idea" | "know" | "understand" | "clue")
                        && j >= 2
                        && matches!(s.words[j - 2].as_str(), "not" | "no")))
        })
}

/// How near (in words) a `not_with` word takes a rule's words away from it.
const NOT_WITH_REACH: usize = 8;

/// How many words a wrong claim may spread over inside a clause or sentence. A run-on
/// answer ("…, that's the random logout, and the fix was …, and if a restarts the login is
/// gone") is one clause of sixty words, where a claim's words meet by accident. Concepts are
/// not held to it: measured on the blind answers, it refused more right answers than it
/// turned away wrong ones.
const CLAIM_SPAN: usize = 30;

/// Can one place of each group be picked so that all of them lie within `span` words (a
/// rule's `span`, [`CLAIM_SPAN`] for a wrong claim)? A phrase is short by nature; only
/// clause and sentence scope are held to it.
fn within_reach(positives: &[Vec<(usize, usize)>], scope: Scope, span: usize) -> bool {
    if scope == Scope::Phrase {
        return true;
    }
    let mut all: Vec<(usize, usize, usize)> = positives
        .iter()
        .enumerate()
        .flat_map(|(g, places)| places.iter().map(move |&(a, b)| (a, b, g)))
        .collect();
    all.sort_unstable();
    // The smallest window holding a place of every group, over places sorted by start.
    let groups = positives.len();
    let mut count = vec![0usize; groups];
    let mut covered = 0;
    let mut left = 0;
    for right in 0..all.len() {
        if count[all[right].2] == 0 {
            covered += 1;
        }
        count[all[right].2] += 1;
        while covered == groups {
            let end = all[left..=right].iter().map(|p| p.1).max().unwrap_or(0);
            if end + 1 - all[left].0 <= span {
                return true;
            }
            count[all[left].2] -= 1;
            if count[all[left].2] == 0 {
                covered -= 1;
            }
            left += 1;
        }
    }
    false
}

/// Words that make what follows them in a phrase a supposition, not a claim.
/// "At first I thought the cookie was lost" retracts a belief rather than claiming it.
const SUPPOSING: &[&str] = &[
    "if",
    "unless",
    "whether",
    "suppose",
    "supposing",
    "imagine",
    "thought",
    "thinking",
    "assumed",
    "believed",
    "guessed",
    "expected",
    "expecting",
    // "I was tempted to just turn on sticky, but…": a wish not acted on.
    "tempted",
    // "Someone on my team suggested CORS would stop a replay": another's idea, reported.
    "suggested",
];

/// Is the word at `i` inside a supposition ("if replica a crashed, …"), or in a phrase that
/// bounds what it says ("sticky works only until that replica restarts" states the limit,
/// not that sticky works)?
fn hypothetical(s: &Sentence, i: usize) -> bool {
    // "only until", "only works until", "only helps as long as": "only" in this phrase, and
    // "until"/"as" within the two words after it (it may open a phrase of its own).
    let bounded = (0..s.words.len()).any(|j| {
        // In the claim's phrase, or opening the next one ("sticky works, but only until…").
        let next_phrase = s.clause[j] == s.clause[i] + 1
            && (j == 0 || s.clause[j - 1] != s.clause[j] || s.words[j - 1] == "but");
        (s.clause[j] == s.clause[i] || next_phrase)
            && s.words[j] == "only"
            && s.words[j + 1..]
                .iter()
                .take(2)
                .any(|w| matches!(w.as_str(), "until" | "till" | "as"))
    });
    bounded
        || s.asked[i]
        || i < s.retracted_before
        || (0..=i)
            .rev()
            .take_while(|&j| s.clause[j] == s.clause[i])
            .find(|&j| SUPPOSING.contains(&s.words[j].as_str()) && !as_expected(s, j))
            .is_some_and(|k| !in_consequent(s, k, i))
        // What the learner expected, and the reason they gave for it ("I expected the restart
        // to log me out, because restarting a replica wiped its sessions"), until a contrast.
        // Someone else's belief keeps only its own phrase: in "the shop believed it because
        // the JWKS caches each user's claims" the reason is the learner's claim.
        || (0..=i)
            .rev()
            .take_while(|&j| s.coarse[j] == s.coarse[i])
            // Not a label's last word ("Why believed: …"): the belief has words after it.
            .any(|j| {
                EXPECTING.contains(&s.words[j].as_str())
                    && s.clause.get(j + 1) == Some(&s.clause[j])
                    && !as_expected(s, j)
                    && first_person_before(s, j)
            })
}

/// Whether "i" or "we" stands in the few words before `j` ("I expected", "we all thought",
/// "I had first assumed"), in the same phrase.
fn first_person_before(s: &Sentence, j: usize) -> bool {
    (0..j)
        .rev()
        .take(4)
        .take_while(|&k| s.clause[k] == s.clause[j])
        .any(|k| matches!(s.words[k].as_str(), "i" | "we"))
}

/// "As expected, it also kicked bob out", "as I thought": the learner confirms what happened.
fn as_expected(s: &Sentence, j: usize) -> bool {
    (j >= 1 && s.words[j - 1] == "as")
        || (j >= 2 && s.words[j - 2] == "as" && matches!(s.words[j - 1].as_str(), "i" | "we"))
}

/// Whether the word at `i` is in the main clause of a conditional that opens at `k` with no
/// comma between them: "if it had been in the Keychain it could not have been replayed"
/// asserts that the Keychain stops a replay, a claim the learner makes, not supposes. The
/// main clause starts at a pronoun and a modal ("it could", "they would") or at "then",
/// after at least one word of the condition.
fn in_consequent(s: &Sentence, k: usize, i: usize) -> bool {
    let is = |n: usize, list: &[&str]| s.words.get(n).is_some_and(|w| list.contains(&w.as_str()));
    s.words[k] == "if"
        && (k + 2..=i).any(|m| {
            s.words[m] == "then"
                || (is(m, CONSEQUENT_SUBJECTS)
                    // "they still can not use it": one adverb may stand between the two.
                    && (is(m + 1, CONSEQUENT_MODALS)
                        || (is(m + 1, CONSEQUENT_ADVERBS) && is(m + 2, CONSEQUENT_MODALS))))
                // "if the cookie was strict the script could not replay it": a subject with
                // its article and a modal, once the condition has had a verb of its own.
                || (is(m, &["the", "a", "an", "every", "each", "no"])
                    && is(m + 2, CONSEQUENT_MODALS)
                    && (k + 1..m).any(|j| condition_verb(&s.words[j])))
                // "if any replica gets a reset it clears the sessions": a pronoun and a verb
                // in the present, once the condition has had a verb of its own.
                || (is(m, CONSEQUENT_SUBJECTS)
                    && !is(m, &["that", "this"])
                    && s.words.get(m + 1).is_some_and(|w| present_verb(w))
                    && (k + 1..m).any(|j| present_verb(&s.words[j])))
                // "if you just wait the server re-signs every token": a condition of a
                // person doing something, then a subject with its article and a verb.
                || (is(k + 1, &["you", "we", "i", "they"])
                    && m >= k + 3
                    && is(m, &["the", "a", "an", "every", "each"])
                    // "re-signs" is read as two words.
                    && (s.words.get(m + 2).is_some_and(|w| present_verb(w))
                        || (is(m + 2, &["re"]) && s.words.get(m + 3).is_some_and(|w| present_verb(w)))))
        })
}

/// A verb that a condition may have before its main clause starts ("was", "had", "gets").
fn condition_verb(w: &str) -> bool {
    present_verb(w) || w.ends_with("ed") || matches!(w, "had" | "did" | "been" | "were")
}

/// A third-person verb in the present ("clears", "gets", "is"), told by its ending; the
/// few common words that end the same way but are not verbs are left out.
fn present_verb(w: &str) -> bool {
    const NOT_VERBS: &[&str] = &[
        "its",
        "his",
        "this",
        "thus",
        "us",
        "as",
        "plus",
        "yes",
        "less",
        "unless",
        "always",
        "perhaps",
        "across",
        "sometimes",
        "various",
        "previous",
        "afterwards",
        "towards",
        "besides",
    ];
    matches!(w, "is" | "are" | "was" | "were" | "has" | "does")
        || (w.len() >= 4
            && w.ends_with('s')
            && !w.ends_with("ss")
            && !w.ends_with("us")
            && !w.ends_with("'s")
            && !NOT_VERBS.contains(&w))
}

const CONSEQUENT_ADVERBS: &[&str] = &["still", "also", "just", "really", "never", "always"];

const CONSEQUENT_SUBJECTS: &[&str] = &["it", "they", "he", "she", "we", "i", "you", "that", "this"];
const CONSEQUENT_MODALS: &[&str] = &["would", "could", "will", "can", "might", "should"];

/// Words for a belief held before the lab showed otherwise.
const EXPECTING: &[&str] = &["expected", "expecting", "thought", "assumed", "believed"];

/// Whether a pattern has a capital letter of its own (outside an escape like `\S`). The text
/// a pattern meets is a sentence's normalised words, lowercased already, so one without
/// needs no case folding: and folding is most of what building a pattern costs (each
/// literal's case variants in its prefilter), about 3 ms of the course's load.
fn needs_case_folding(p: &str) -> bool {
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c.is_uppercase() {
            return true;
        }
    }
    false
}

/// Regex escape hatch: matched against the sentence's normalised words. A regex takes
/// the leftmost match, which may begin in a negated clause and reach into the next one,
/// so after a negated match look again from the following word.
fn match_regex(s: &Sentence, re: &Regex, owns: bool) -> Vec<bool> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(m) = re.find_at(&s.text, from) {
        let next_word = s.next_word_start(m.start());
        if m.start() == m.end() {
            match next_word {
                Some(n) => {
                    from = n;
                    continue;
                }
                None => break,
            }
        }
        let (start, end) = (s.word_at(m.start()), s.word_ending_at(m.end()));
        // Like a group's several-word alternative, a regex never reads across a comma:
        // "with sessions logout is more easy, with token you need state" says nothing of
        // logging out being easier with tokens. A letter the pattern peeks at past its
        // last whole word ("token($| [^u])") is not read.
        let last_whole = (start..=end.max(start))
            .rev()
            .find(|&w| s.word_end(w) <= m.end())
            .unwrap_or(start);
        if s.segment[start] != s.segment[last_whole] {
            match next_word {
                Some(n) => {
                    from = n;
                    continue;
                }
                None => break,
            }
        }
        let negated = negation::is_negated(s, start, end.max(start), owns);
        out.push(negated);
        from = if negated {
            match next_word {
                Some(n) => n,
                None => break,
            }
        } else {
            m.end()
        };
        if from >= s.text.len() {
            break;
        }
    }
    out
}

/// The regex crate's message spans several lines with a caret; keep its last line.
fn pattern_message(text: &str) -> String {
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    format!(
        "pattern does not compile: {}",
        last.trim().trim_start_matches("error: ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::problem::{Concept, Misconception, Rubric};

    /// The quick reading of plain alternatives must give exactly what the full reading
    /// gives, alternative by alternative, for every word group of the shipped course and
    /// for the shapes it lets through (hyphens, slashes, digits, negators, long phrases).
    #[test]
    fn plain_alternatives_read_as_the_full_reading_does() {
        let course = crate::course::Course::load(None).expect("the embedded course loads");
        let mut alternatives: Vec<String> = [
            "server-side",
            "admin/revoke",
            "not",
            "no record",
            "401s",
            "jwt_decode",
            "a b c d e",
            "nothing stored to delete",
            "re-sign",
            "cannot",
            "dont",
        ]
        .map(String::from)
        .to_vec();
        for p in &course.problems {
            let r = &p.rubric;
            let concepts = r
                .concepts
                .iter()
                .flat_map(|c| c.matches.iter().chain(&c.not_with));
            let wrong = r
                .misconceptions
                .iter()
                .flat_map(|m| m.matches.iter().chain(&m.not_with));
            for line in concepts.chain(wrong).chain(r.words.values()) {
                alternatives.extend(
                    line.split(['+', '|'])
                        .map(str::trim)
                        .filter(|a| !a.starts_with('@'))
                        .map(String::from),
                );
            }
        }
        let (mut quick, mut full) = (Lexicon::default(), Lexicon::default());
        let mut plain = 0;
        for alt in &alternatives {
            let a = words(alt, &mut quick);
            let b = read_words(alt, &mut full);
            plain += usize::from(plain_words(alt, &mut Lexicon::default()).is_some());
            let show = |w: &Option<Words>| w.as_ref().map(|w| (w.terms.to_vec(), w.negates));
            assert_eq!(show(&a), show(&b), "{alt:?}");
        }
        assert!(
            plain * 10 > alternatives.len() * 9,
            "{plain} of {}",
            alternatives.len()
        );
    }

    #[test]
    fn only_a_pattern_with_capitals_of_its_own_folds_case() {
        assert!(!needs_case_folding(r"\breplica [a-c] remember(s|ed)?\b"));
        // Escapes are not capitals: \S, \W, \B, \D.
        assert!(!needs_case_folding(r"\Bsign\S+ \W\D"));
        assert!(needs_case_folding(r"\bJWT\b"));
        assert!(needs_case_folding("Ärger"));
    }

    fn rubric(matches: &[&str]) -> Rubric {
        Rubric {
            min_words: 5,
            words: BTreeMap::from([(
                "replica".to_string(),
                "replica | server | instance | node".to_string(),
            )]),
            real_words: vec![],
            concepts: vec![Concept {
                id: "c".into(),
                label: "l".into(),
                required: true,
                matches: matches.iter().map(|s| s.to_string()).collect(),
                scope: None,
                not_with: vec![],
                span: None,
                phrases: vec![],
                patterns: vec![],
                ask: "?".into(),
            }],
            misconceptions: vec![Misconception {
                id: "m".into(),
                matches: vec!["sign + public key".into()],
                scope: None,
                not_with: vec![],
                span: None,
                phrases: vec![],
                patterns: vec![],
                feedback: "f".into(),
            }],
        }
    }

    /// A rubric whose one misconception is `claim` (at `scope`), beside concept `concept`.
    fn with_claim(concept: &str, claim: &str, scope: Option<Scope>) -> CompiledRubric {
        let mut r = rubric(&[concept]);
        r.misconceptions[0].matches = vec![claim.into()];
        r.misconceptions[0].scope = scope;
        CompiledRubric::compile(&r).unwrap()
    }

    fn hit(c: &CompiledRubric, rule: &Rule, answer: &str) -> Option<bool> {
        let r = c.read(answer);
        let hits = c.hits(rule, &r);
        if hits.iter().any(|h| !h.negated) {
            Some(false)
        } else if hits.is_empty() {
            None
        } else {
            Some(true)
        }
    }

    #[test]
    fn a_regex_never_reads_across_a_comma() {
        let mut r = rubric(&["x"]);
        r.misconceptions[0].matches = vec![];
        r.misconceptions[0].patterns = vec![
            r"\blogout is (more easy|easier) with tokens?\b".into(),
            r"\brole was not in the token($| [^u])".into(),
        ];
        let c = CompiledRubric::compile(&r).unwrap();
        let rule = &c.misconceptions[0];
        assert_eq!(hit(&c, rule, "logout is easier with tokens"), Some(false));
        assert_eq!(
            hit(
                &c,
                rule,
                "with sessions logout is more easy, with token you need a list"
            ),
            None
        );
        // A letter peeked at past the last whole word is not read across the break.
        assert_eq!(
            hit(
                &c,
                rule,
                "the role was not in the token; tokens hold the id"
            ),
            Some(false)
        );
    }

    #[test]
    fn an_alternative_reads_across_a_comma_only_where_its_author_wrote_one() {
        let mut r = rubric(&["x"]);
        r.misconceptions[0].matches = vec!["sticky sessions, which are just as good".into()];
        let c = CompiledRubric::compile(&r).unwrap();
        let claim = &c.misconceptions[0];
        // With the comma the author wrote, and without it, as before.
        assert_eq!(
            hit(
                &c,
                claim,
                "we used sticky sessions, which are just as good."
            ),
            Some(false)
        );
        assert_eq!(
            hit(&c, claim, "sticky sessions which are just as good"),
            Some(false)
        );
        // A comma nobody wrote still parts the words.
        assert_eq!(
            hit(&c, claim, "sticky sessions which are just, as good"),
            None
        );
        assert_eq!(text::phrase_breaks("sticky sessions, which are"), 0b10);
        assert_eq!(text::phrase_breaks("(HS256, so the issuer: signs)"), 0b1001);
        assert_eq!(text::phrase_breaks("jwt.decode it"), 0);
    }

    #[test]
    fn a_line_its_own_not_with_always_sets_aside_is_reported() {
        let mut r = rubric(&["x"]);
        r.misconceptions[0].matches = vec![
            "signs and verifies with the public key | checks and verifies with the public key"
                .into(),
            "signs with the public key | signs and verifies with the public key".into(),
        ];
        r.misconceptions[0].not_with = vec!["verifies with the public key".into()];
        let c = CompiledRubric::compile(&r).unwrap();
        let errors = c.never_matching();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "rubric.misconceptions[0].match[0]");
        // And it is true: the line reads nothing.
        let claim = &c.misconceptions[0];
        assert_eq!(
            hit(
                &c,
                claim,
                "every replica signs and verifies with the public key"
            ),
            None
        );
        assert_eq!(
            hit(&c, claim, "the issuer signs with the public key"),
            Some(false)
        );
    }

    #[test]
    fn not_with_keeps_a_rule_out_of_a_clause_about_something_else() {
        let mut r = rubric(&["revoke | delete + every @replica"]);
        r.concepts[0].scope = Some(Scope::Sentence);
        r.concepts[0].not_with = vec!["denylist | deny list".into()];
        let c = CompiledRubric::compile(&r).unwrap();
        let concept = &c.concepts[0];
        // Said next to the denylist, the words are about the denylist.
        assert_eq!(
            hit(
                &c,
                concept,
                "I turned on the denylist and revoked alice, so every replica checks it."
            ),
            None
        );
        // The same sentence may still say it in a clause of its own.
        assert_eq!(
            hit(
                &c,
                concept,
                "revoke deleted the session so every replica misses; tokens needed the denylist."
            ),
            Some(false)
        );
        assert_eq!(
            hit(
                &c,
                concept,
                "I revoked alice and every replica refused her."
            ),
            Some(false)
        );
        r.concepts[0].not_with = vec!["denylist + list".into()];
        let errs = CompiledRubric::compile(&r).unwrap_err();
        assert_eq!(errs[0].field, "rubric.concepts[0].not_with[0]");
    }

    #[test]
    fn real_words_keep_an_everyday_word_from_reading_as_a_typo() {
        let mut r = rubric(&["hotel"]);
        let text = "We stayed at a hostel near the station";
        let c = CompiledRubric::compile(&r).unwrap();
        assert_eq!(hit(&c, &c.concepts[0], text), Some(false), "read as a typo");
        r.real_words = vec!["hostel".into()];
        let c = CompiledRubric::compile(&r).unwrap();
        assert_eq!(hit(&c, &c.concepts[0], text), None);
        assert_eq!(hit(&c, &c.concepts[0], "the hotl"), Some(false));
        r.real_words = vec!["hostel".into(), "Two words".into()];
        let errs = CompiledRubric::compile(&r).unwrap_err();
        assert_eq!(errs[0].field, "rubric.real_words[1]");
    }

    #[test]
    fn span_holds_a_rules_words_close_together() {
        let mut r = rubric(&["revoke + every @replica"]);
        r.concepts[0].scope = Some(Scope::Sentence);
        let long = "I revoked alice in token mode and the script carried on for a long while \
                    with its stolen copy, since a token is accepted by every replica";
        let near = "I revoked alice and every replica refused her";
        let c = CompiledRubric::compile(&r).unwrap();
        assert_eq!(hit(&c, &c.concepts[0], long), Some(false));
        r.concepts[0].span = Some(12);
        let c = CompiledRubric::compile(&r).unwrap();
        // Twenty words apart: never said together.
        assert_eq!(hit(&c, &c.concepts[0], long), None);
        assert_eq!(hit(&c, &c.concepts[0], near), Some(false));
        r.concepts[0].span = Some(1);
        let errs = CompiledRubric::compile(&r).unwrap_err();
        assert_eq!(errs[0].field, "rubric.concepts[0].span");
    }

    #[test]
    fn a_wrong_claim_asked_is_not_made() {
        let c = with_claim("x", "denylist + for free", Some(Scope::Sentence));
        let claim = &c.misconceptions[0];
        assert_eq!(
            hit(
                &c,
                claim,
                "Could I fix it for free? Not really: the denylist is server state."
            ),
            Some(true)
        );
        // Answered yes, the question is a claim.
        assert_eq!(
            hit(
                &c,
                claim,
                "Is the denylist for free? Yes, it costs nothing."
            ),
            Some(false)
        );
        assert_eq!(hit(&c, claim, "The denylist comes for free."), Some(false));
    }

    #[test]
    fn a_slashed_list_parts_its_claims() {
        // Three items parted by spaced slashes are three claims; one slash is an "or".
        let c = with_claim("x", "denylist + short ttl", Some(Scope::Clause));
        let claim = &c.misconceptions[0];
        assert_eq!(
            hit(
                &c,
                claim,
                "tokens valid until exp / fix: denylist / or a short ttl"
            ),
            None
        );
        assert_eq!(
            hit(&c, claim, "denylist / short ttl is the fix"),
            Some(false)
        );
    }

    #[test]
    fn groups_meet_in_any_order_within_a_clause() {
        let c = CompiledRubric::compile(&rubric(&["memory | ram + @replica"])).unwrap();
        let rule = &c.concepts[0];
        assert_eq!(
            hit(&c, rule, "It sat in the RAM of one server."),
            Some(false)
        );
        assert_eq!(
            hit(&c, rule, "The instances kept it in memmory."),
            Some(false)
        );
        assert_eq!(
            hit(&c, rule, "It was in memory; the server restarted."),
            None
        );
        assert_eq!(
            hit(&c, rule, "It was in memory but the server restarted."),
            None
        );
        assert_eq!(
            hit(&c, rule, "It was not in the memory of a server."),
            Some(true)
        );
    }

    #[test]
    fn negation_owned_by_the_group_is_meaning() {
        let c = CompiledRubric::compile(&rubric(&["@replica + no record | not know"])).unwrap();
        let rule = &c.concepts[0];
        assert_eq!(hit(&c, rule, "server b had no record of it"), Some(false));
        assert_eq!(
            hit(&c, rule, "the other servers did not know my sid"),
            Some(false)
        );
    }

    #[test]
    fn misconceptions_stay_inside_a_phrase() {
        let c = CompiledRubric::compile(&rubric(&["memory"])).unwrap();
        let m = &c.misconceptions[0];
        assert_eq!(
            hit(&c, m, "The issuer signs with its public key."),
            Some(false)
        );
        assert_eq!(
            hit(
                &c,
                m,
                "It is signed with the private key, and checked with the public key."
            ),
            None
        );
    }

    #[test]
    fn a_wrong_claim_spread_over_a_run_on_clause_is_not_asserted() {
        let c = with_claim(
            "memory",
            "restart | restarts + random | randomly",
            Some(Scope::Clause),
        );
        let m = &c.misconceptions[0];
        assert_eq!(hit(&c, m, "Replicas restart at random."), Some(false));
        // The claim's words are forty words apart in one comma-spliced clause.
        let run_on = "that is the random logout, and the fix was to put the session in the \
                      shared store so every replica reads the same record, after that it \
                      worked on all three of them, and sticky would only hide it because \
                      if a restarts the login is gone anyway";
        assert_eq!(hit(&c, m, run_on), None);
    }

    #[test]
    fn a_quoted_command_is_not_a_claim_but_still_shows_an_idea() {
        let c = with_claim("memory + @replica", "password + sid | cookie", None);
        let m = &c.misconceptions[0];
        assert_eq!(hit(&c, m, "The sid cookie holds my password."), Some(false));
        let quoted = "I ran `http POST :7878/login password=wonderland` and got a sid back.";
        assert_eq!(hit(&c, m, quoted), None);
        // An idea may still be found in what was quoted.
        let said = "The output of `forgetful lab` showed it in replica memory.";
        assert_eq!(hit(&c, &c.concepts[0], said), Some(false));
    }

    #[test]
    fn a_claim_bounded_in_the_next_phrase_is_not_asserted() {
        let c = with_claim("memory", "sticky + works | fixes", None);
        let m = &c.misconceptions[0];
        assert_eq!(hit(&c, m, "Sticky routing works."), Some(false));
        let bounded = "Sticky also works but only until the replica restarts.";
        assert_ne!(hit(&c, m, bounded), Some(false));
        // A later "only until" about something else does not bound it.
        let later = "Sticky works, and the cookie is fine, and tokens only last until exp.";
        assert_eq!(hit(&c, m, later), Some(false));
    }

    #[test]
    fn errors_name_the_field() {
        let mut r = rubric(&["memory | | ram", "@nope + x"]);
        r.misconceptions[0].patterns.push("(unclosed".into());
        let errs = CompiledRubric::compile(&r).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rubric.concepts[0].match[0]",
                "rubric.concepts[0].match[1]",
                "rubric.misconceptions[0].patterns[0]"
            ]
        );
        assert!(errs[1].message.contains("@nope"), "{}", errs[1].message);
    }

    #[test]
    fn a_group_takes_in_another_and_leaves_words_out() {
        let mut r = rubric(&["@found + sid"]);
        r.words.insert(
            "lookup".into(),
            "look up | find | missed | refused | 401".into(),
        );
        r.words.insert(
            "found".into(),
            "@lookup | -401 | -refused | came back empty".into(),
        );
        let c = CompiledRubric::compile(&r).unwrap();
        let rule = &c.concepts[0];
        // Taken in from @lookup, and the group's own words.
        assert_eq!(hit(&c, rule, "the replica looked up the sid"), Some(false));
        assert_eq!(hit(&c, rule, "the sid lookup came back empty"), Some(false));
        // Left out: "refused" and "401" say nothing of a lookup.
        assert_eq!(hit(&c, rule, "the sid was refused"), None);
        assert_eq!(hit(&c, rule, "the sid got a 401"), None);

        // Leaving out a word the group never had is a slip, named at the group.
        r.words.insert("found".into(), "@lookup | -rejected".into());
        let errs = CompiledRubric::compile(&r).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["rubric.concepts[0].match[0]", "rubric.words.found"]
        );
        assert!(
            errs[0].message.contains("see rubric.words.found"),
            "{errs:?}"
        );
        assert!(errs[1].message.contains("`rejected`"), "{errs:?}");

        // Groups that take each other in never finish reading: named, not looped on.
        r.words.insert("lookup".into(), "@found | look up".into());
        r.words.insert("found".into(), "@lookup | find".into());
        let errs = CompiledRubric::compile(&r).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.message.contains("in a circle: @found → @lookup → @found")),
            "{errs:?}"
        );

        // A group taking in one that does not exist names both.
        r.words.insert("found".into(), "@nowhere | find".into());
        let errs = CompiledRubric::compile(&r).unwrap_err();
        assert!(
            errs.iter().any(|e| e.field == "rubric.words.found"
                && e.message.contains("`@nowhere`, which is not in")),
            "{errs:?}"
        );
    }

    #[test]
    fn what_a_learner_says_they_cannot_explain_earns_no_idea() {
        let c = CompiledRubric::compile(&rubric(&["@replica + memory"])).unwrap();
        let rule = &c.concepts[0];
        assert_eq!(hit(&c, rule, "The replica kept it in memory."), Some(false));
        for unsure in [
            "I'm not sure why the replica kept it in memory.",
            "No idea why the replica kept it in memory.",
            "I don't know why the replica kept it in memory.",
        ] {
            assert_ne!(hit(&c, rule, unsure), Some(false), "{unsure}");
        }
        // What comes before the phrase is still said.
        let before = "The replica kept it in memory, not sure why.";
        assert_eq!(hit(&c, rule, before), Some(false));
        // A puzzled question is not an explanation; the written question repeated is.
        let puzzled = "Why didn't the replica keep it in memory?";
        assert_ne!(hit(&c, rule, puzzled), Some(false));
        let heading = "Why is it the replica's memory? Because it kept it there.";
        assert_eq!(hit(&c, rule, heading), Some(false));
    }

    #[test]
    fn a_pattern_too_big_to_build_loads_matches_nothing_and_is_reported_by_check() {
        let mut r = rubric(&["memory"]);
        // Well formed, so the load takes it; only building its automaton finds the size.
        r.misconceptions[0]
            .patterns
            .push(r"(?:\w{100}){100} signs".into());
        r.misconceptions[0]
            .patterns
            .push(r"\bsign(s|ed)? \w+ with (the|its) public key\b".into());
        let c = CompiledRubric::compile(&r).expect("the syntax is fine");
        let rule = &c.misconceptions[0];
        // The small pattern still works beside it, and was built on first use.
        assert_eq!(
            hit(&c, rule, "The issuer signs tokens with its public key."),
            Some(false)
        );
        let errors = c.build_patterns();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "rubric.misconceptions[0].patterns[0]");
        assert!(
            errors[0].message.starts_with("pattern does not compile: "),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_claim_the_learner_takes_back_is_not_made() {
        let c = with_claim("x", "logged me out + restart", Some(Scope::Sentence));
        let rule = &c.misconceptions[0];
        assert_eq!(
            hit(&c, rule, "The restart logged me out. Bob was fine."),
            Some(false)
        );
        for taken_back in [
            "At first the restart logged me out. No, wait, that's not it.",
            "The restart logged me out. Nope.",
            "The restart logged me out, I said in my draft. I had that backwards.",
            "The restart logged me out, no wait, it was the balancer.",
        ] {
            assert_ne!(hit(&c, rule, taken_back), Some(false), "{taken_back}");
        }
        // What follows a retraction is said again.
        let after = "No, wait: the restart logged me out.";
        assert_eq!(hit(&c, rule, after), Some(false));
    }

    #[test]
    fn an_expectation_and_its_reason_are_not_claimed() {
        let c = with_claim("x", "logged me out + restart", Some(Scope::Sentence));
        let rule = &c.misconceptions[0];
        let said = "The restart logged me out.";
        assert_eq!(hit(&c, rule, said), Some(false));
        let expected =
            "I expected the restart to log me out, because restarting wiped them before.";
        assert_ne!(hit(&c, rule, expected), Some(false));
        let expecting = "I was expecting the restart to log me out. It didn't.";
        assert_ne!(hit(&c, rule, expecting), Some(false));
        // A label's last word ("Why believed:") supposes nothing.
        let label = "Why believed: the restart logged me out.";
        assert_eq!(hit(&c, rule, label), Some(false));
        // "As expected" confirms what happened.
        let confirmed = "As expected the restart logged me out.";
        assert_eq!(hit(&c, rule, confirmed), Some(false));
        let as_i = "As I expected the restart logged me out.";
        assert_eq!(hit(&c, rule, as_i), Some(false));
        // Someone else's belief: the reason given for it is the learner's own claim.
        let theirs = "The shop believed it, because the restart logged me out.";
        assert_eq!(hit(&c, rule, theirs), Some(false));
        let replicas = "The replicas assumed so because the restart logged me out.";
        assert_eq!(hit(&c, rule, replicas), Some(false));
        let ours = "We all thought it was the store, because the restart logged me out.";
        assert_ne!(hit(&c, rule, ours), Some(false));
    }

    #[test]
    fn a_conditional_without_a_comma_asserts_its_main_clause() {
        let c = with_claim(
            "x",
            "keychain + could not be replayed",
            Some(Scope::Sentence),
        );
        let rule = &c.misconceptions[0];
        // The whole claim supposed: nothing asserted.
        let supposed = "If it could not be replayed from the Keychain, we would be safe.";
        assert_ne!(hit(&c, rule, supposed), Some(false));
        // The condition names one half, the main clause asserts the other.
        let claimed = "If the token had been in the Keychain it could not be replayed.";
        assert_eq!(hit(&c, rule, claimed), Some(false));
        let then = "If it sits in the Keychain then it could not be replayed.";
        assert_eq!(hit(&c, rule, then), Some(false));
        let still = "If it sits in the Keychain they still could not be replayed.";
        assert_eq!(hit(&c, rule, still), Some(false));
        let article = "If the token was in the Keychain the attacker could not be replayed.";
        assert_eq!(hit(&c, rule, article), Some(false));
        let present = "If the token sits in the Keychain it is not replayed.";
        let c = with_claim("x", "keychain + not replayed", Some(Scope::Sentence));
        let rule = &c.misconceptions[0];
        assert_eq!(hit(&c, rule, present), Some(false));
    }

    #[test]
    fn a_person_s_condition_then_a_subject_and_its_verb_asserts_the_main_clause() {
        let c = with_claim("x", "server + re-signs + tokens", Some(Scope::Sentence));
        let rule = &c.misconceptions[0];
        let claimed = "If you just wait the server re-signs all live tokens.";
        assert_eq!(hit(&c, rule, claimed), Some(false));
        let plain = "If you wait the server signs new tokens.";
        let c2 = with_claim("x", "server + signs + tokens", Some(Scope::Sentence));
        assert_eq!(hit(&c2, &c2.misconceptions[0], plain), Some(false));
        // The subject is the condition's own: still a supposition.
        let supposed = "If the server re-signs all live tokens we are fine.";
        assert_ne!(hit(&c, rule, supposed), Some(false));
    }

    #[test]
    fn a_misspelt_joining_word_still_ends_the_negated_phrase() {
        let c = CompiledRubric::compile(&rubric(&["denylist"])).unwrap();
        let rule = &c.concepts[0];
        for text in [
            "so revoke did nothing until i turned on the denylist",
            "so revoke did nothing untill i turned on the denylist",
        ] {
            assert_eq!(hit(&c, rule, text), Some(false), "{text}");
        }
    }

    #[test]
    fn a_suggestion_reported_is_not_claimed() {
        let c = with_claim("x", "cors + would stop + replay", Some(Scope::Phrase));
        let rule = &c.misconceptions[0];
        assert_eq!(hit(&c, rule, "CORS would stop a replay."), Some(false));
        let reported = "Someone on my team suggested CORS would stop a replay.";
        assert_ne!(hit(&c, rule, reported), Some(false));
    }
}
