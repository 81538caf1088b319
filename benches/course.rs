//! Rendering and loading times, printed (a plain loop; targets: render ≤ 2 ms, load ≤ 20 ms).
//! The embedded course is measured; the fixture course stands in while it has no lessons.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use forgetful::course::Course;
use forgetful::markdown::{RenderOptions, render};

fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    let start = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    start.elapsed() / runs
}

fn main() {
    let embedded = Course::load(None).expect("the embedded course loads");
    let dir = (embedded.lessons.is_empty())
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course-good"));
    let course = match &dir {
        Some(d) => Course::load(Some(d)).expect("the fixture course loads"),
        None => embedded,
    };
    let which = if dir.is_some() {
        "fixture course"
    } else {
        "embedded course"
    };
    let longest = course
        .lessons
        .iter()
        .max_by_key(|l| l.source.len())
        .expect("a course with lessons");

    let render_time = time(200, || {
        render(&longest.source, 100, &RenderOptions { color: true })
    });
    let load_time = time(50, || Course::load(dir.as_deref()).expect("loads"));
    let check_time = time(20, || Course::check(dir.as_deref()).expect("checks"));
    println!(
        "render {} ({} bytes) at 100 columns: {:.3} ms (target ≤ 2 ms)",
        longest.id,
        longest.source.len(),
        render_time.as_secs_f64() * 1e3
    );
    println!(
        "load {which} ({} lessons, {} problems): {:.3} ms (target ≤ 20 ms)",
        course.lessons.len(),
        course.problems.len(),
        load_time.as_secs_f64() * 1e3
    );
    println!(
        "course check {which}: {:.3} ms",
        check_time.as_secs_f64() * 1e3
    );
}
