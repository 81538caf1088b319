//! Course text must be our own: no run of 8+ consecutive words shared with the seed articles
//! in ../shared/seeds (same word rule as shared/tools/seed-overlap).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

const RUN: usize = 8;

fn words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "md" || e == "toml" || e == "txt")
        {
            out.push(path);
        }
    }
}

#[test]
fn course_text_shares_no_long_runs_with_the_seed_articles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = root.join("../shared/seeds");
    if !seeds.is_dir() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "{} is missing: clone the repo with ../shared beside it",
            seeds.display()
        );
        eprintln!("skipping: {} is missing", seeds.display());
        return;
    }
    let mut grams: HashSet<String> = HashSet::new();
    let mut seed_files = Vec::new();
    files_under(&seeds, &mut seed_files);
    for seed in seed_files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        let w = words(&String::from_utf8_lossy(&std::fs::read(seed).unwrap()));
        grams.extend(w.windows(RUN).map(|g| g.join(" ")));
    }
    let mut targets = Vec::new();
    files_under(&root.join("lessons"), &mut targets);
    files_under(&root.join("problems"), &mut targets);
    if root.join("README.md").is_file() {
        targets.push(root.join("README.md"));
    }
    let mut shared = Vec::new();
    for file in targets {
        let w = words(&String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
        for gram in w.windows(RUN).map(|g| g.join(" ")) {
            if grams.contains(&gram) {
                shared.push(format!("{}: {gram}", file.display()));
            }
        }
    }
    assert!(
        shared.is_empty(),
        "text shared with the seed articles:\n{}",
        shared.join("\n")
    );
}
