//! Time to draw one frame of the longest lesson at 120x40 (TestBackend), and to render it.
//! `cargo bench --bench tui_draw`; part of `benches/tui.sh`.

use std::time::Instant;

use forgetful::tui::action::{Action, update};
use forgetful::tui::state::State;
use forgetful::tui::{course_adapter, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    let course_adapter::Loaded {
        lessons, problems, ..
    } = course_adapter::load_course(None).expect("built-in course");
    let longest = (0..lessons.len())
        .max_by_key(|&i| lessons[i].source.len())
        .expect("a lesson");
    let id = lessons[longest].id.clone();
    let mut s = State {
        lessons,
        problems,
        current: longest,
        color: true,
        ..State::default()
    };
    update(&mut s, Action::Resize(120, 40));
    update(&mut s, Action::PageDown);

    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let n = 2000;
    let start = Instant::now();
    for _ in 0..n {
        t.draw(|f| draw::draw(&s, f)).expect("draw");
    }
    let per_frame = start.elapsed() / n;

    let src = s.lessons[longest].source.clone();
    let m = 500;
    let start = Instant::now();
    for _ in 0..m {
        std::hint::black_box(course_adapter::render_lesson(&src, 56, true));
    }
    let per_render = start.elapsed() / m;
    println!("draw one frame of {id} at 120x40: {per_frame:?} (mean of {n})");
    println!("render {id} to 56 columns: {per_render:?} (mean of {m})");
}
