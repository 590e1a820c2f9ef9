//! The report's two charts, as self-contained SVG: the error budget burning down over the period,
//! and each day's compliance against the objective. Each carries a title and a description that
//! say in words what it shows, for screen readers and for anyone who cannot see it.
//!
//! The SVG scales to its container (a `viewBox` and no fixed width), uses no fonts but the
//! reader's own, and loads nothing.

use super::html::escape;
use super::model::ReportRow;
use crate::status::render::percent;
use std::fmt::Write as _;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// Colours that read on white and in grey print.
const LINE: &str = "#1f5fbf";
const GOOD: &str = "#2e7d32";
const BAD: &str = "#c62828";
const GUIDE: &str = "#6b6b6b";

/// A chart: its SVG text and the sentence that describes it.
pub struct Chart {
    pub svg: String,
    pub alt: String,
}

/// The plot area's mapping from (day, value) to SVG coordinates.
struct Frame {
    days: usize,
    low: f64,
    high: f64,
}

impl Frame {
    fn x(&self, day: f64) -> f64 {
        LEFT + day / self.days.max(1) as f64 * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        let span = (self.high - self.low).max(f64::EPSILON);
        TOP + (self.high - value.clamp(self.low, self.high)) / span * (HEIGHT - TOP - BOTTOM)
    }
}

/// The opening of a chart: size, accessible name and description.
fn open(id: &str, title: &str, alt: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         class=\"chart\" font-family=\"system-ui, sans-serif\" font-size=\"15\">\n\
         <title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>\n\
         <rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\n",
        escape(title),
        escape(alt)
    )
}

/// Horizontal guides with their labels, and the first and last dates under the axis.
fn axes(svg: &mut String, frame: &Frame, marks: &[f64], first: &str, last: &str) {
    for &mark in marks {
        let y = frame.y(mark);
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{GUIDE}\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 5.0,
            escape(&percent(mark, 3))
        );
    }
    let base = HEIGHT - BOTTOM + 22.0;
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"{base:.1}\" fill=\"{GUIDE}\">{}</text>\
         <text x=\"{:.1}\" y=\"{base:.1}\" text-anchor=\"end\" fill=\"{GUIDE}\">{}</text>",
        escape(first),
        WIDTH - RIGHT,
        escape(last)
    );
}

/// The budget remaining at the end of each day (1 − spent to date), from 100% at the start, with
/// the even pace that would spend exactly the budget over the period.
pub fn burn_down(row: &ReportRow, id: &str, dates: &[String]) -> Chart {
    let days_in_period = dates.len();
    let remaining: Vec<(usize, f64)> = row
        .daily
        .iter()
        .enumerate()
        .filter_map(|(day, figures)| Some((day + 1, 1.0 - figures.error_budget_spent_to_date?)))
        .collect();
    let lowest = remaining.iter().map(|(_, v)| *v).fold(0.0_f64, f64::min);
    let frame = Frame {
        days: days_in_period,
        low: if lowest < 0.0 { lowest.max(-9.0) } else { 0.0 },
        high: 1.0,
    };
    let title = format!("Error budget remaining, {}", row.figures.period);
    let alt = burn_down_words(row, &remaining);
    let mut svg = open(id, &title, &alt);
    let (first, last) = date_range(dates);
    let mut marks = vec![1.0, 0.5, 0.0];
    if frame.low < 0.0 {
        marks.push(frame.low);
    }
    axes(&mut svg, &frame, &marks, &first, &last);
    // The even pace: 100% at the start, 0% at the end of the period.
    let _ = writeln!(
        svg,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{GUIDE}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>",
        frame.x(0.0),
        frame.y(1.0),
        frame.x(days_in_period as f64),
        frame.y(0.0)
    );
    if !remaining.is_empty() {
        let mut path = format!("M{:.1} {:.1}", frame.x(0.0), frame.y(1.0));
        for (day, value) in &remaining {
            let _ = write!(path, " L{:.1} {:.1}", frame.x(*day as f64), frame.y(*value));
        }
        let colour = if lowest < 0.0 { BAD } else { LINE };
        let _ = writeln!(
            svg,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>"
        );
    }
    svg.push_str("</svg>\n");
    Chart { svg, alt }
}

fn burn_down_words(row: &ReportRow, remaining: &[(usize, f64)]) -> String {
    let Some((_, end)) = remaining.last() else {
        return "No events were measured in this period.".to_owned();
    };
    let last_date = row
        .daily
        .get(remaining.len().saturating_sub(1))
        .map(|day| day.date.as_str())
        .unwrap_or_default();
    let mut words = format!(
        "The error budget went from 100% at the start of {} to {} remaining on {last_date}",
        row.figures.period,
        percent(*end, 1)
    );
    let steepest = row
        .daily
        .iter()
        .filter_map(|day| Some((day, day.error_budget_spent?)))
        .filter(|(_, spent)| *spent > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.date.cmp(&a.0.date)));
    if let Some((day, spent)) = steepest {
        let _ = write!(
            words,
            "; the most was spent on {} ({} of the budget)",
            day.date,
            percent(spent, 1)
        );
    }
    words.push('.');
    words
}

/// Each day's compliance as a bar, against the objective's line; days below it in red.
pub fn daily_compliance(row: &ReportRow, id: &str, dates: &[String]) -> Chart {
    let days_in_period = dates.len();
    let values: Vec<(usize, f64)> = row
        .daily
        .iter()
        .enumerate()
        .filter_map(|(day, figures)| Some((day, figures.compliance?)))
        .collect();
    let lowest = values.iter().map(|(_, v)| *v).fold(1.0_f64, f64::min);
    // Room below the objective and the worst day, so that even the worst day's bar shows,
    // rounded down to a readable step so the scale does not jump for tiny changes.
    let floor = (row.objective - (1.0 - row.objective)).min(lowest);
    let floor = floor - (1.0 - floor) * 0.1;
    let step = if 1.0 - floor <= 0.02 { 0.001 } else { 0.01 };
    let low = ((floor / step).floor() * step).clamp(0.0, row.objective);
    let frame = Frame {
        days: days_in_period,
        low,
        high: 1.0,
    };
    let title = format!("Daily compliance, {}", row.figures.period);
    let alt = compliance_words(row, &values);
    let mut svg = open(id, &title, &alt);
    let (first, last) = date_range(dates);
    axes(&mut svg, &frame, &[1.0, low], &first, &last);
    let slot = (WIDTH - LEFT - RIGHT) / days_in_period.max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    for (day, value) in &values {
        let x = frame.x(*day as f64) + (slot - bar) / 2.0;
        let y = frame.y(*value);
        let colour = if *value < row.objective { BAD } else { GOOD };
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
            (frame.y(low) - y).max(1.0)
        );
    }
    let objective = frame.y(row.objective);
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{objective:.1}\" y2=\"{objective:.1}\" stroke=\"{GUIDE}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{GUIDE}\">objective {}</text>",
        WIDTH - RIGHT,
        WIDTH - RIGHT - 2.0,
        objective - 4.0,
        escape(&percent(row.objective, 3))
    );
    svg.push_str("</svg>\n");
    Chart { svg, alt }
}

fn compliance_words(row: &ReportRow, values: &[(usize, f64)]) -> String {
    if values.is_empty() {
        return "No events were measured in this period.".to_owned();
    }
    let below = values.iter().filter(|(_, v)| *v < row.objective).count();
    let worst = row.worst_days.first();
    let mut words = format!(
        "{} of {} days met the objective of {}",
        values.len() - below,
        values.len(),
        percent(row.objective, 3)
    );
    if let Some(worst) = worst {
        let _ = write!(
            words,
            "; the worst day was {} at {}",
            worst.date,
            percent(worst.compliance, 3)
        );
    }
    words.push('.');
    words
}

/// The period's first and last dates, under the axis's ends.
fn date_range(dates: &[String]) -> (String, String) {
    (
        dates.first().cloned().unwrap_or_default(),
        dates.last().cloned().unwrap_or_default(),
    )
}
