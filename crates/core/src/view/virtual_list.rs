//! The arithmetic of a virtual list: which rows of a long timeline are in
//! view, given each row's height (measured, or estimated until it has been
//! on screen). Only those rows are rendered; spacers stand in for the rest.

use std::ops::Range;

/// Row tops from row heights: `offsets[i]` is where row `i` starts, and the
/// last element is the total height.
pub fn offsets(heights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut out = vec![0.0];
    let mut y = 0.0;
    for h in heights {
        y += h.max(0.0);
        out.push(y);
    }
    out
}

/// Rows whose heights become known one screen at a time: `offsets` moved
/// only from the first row whose height changed, so measuring the rows in
/// view costs the rows below them (a few additions each), not a rebuild of
/// every row's height (lookups and estimates for 10,000 rows per scroll).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    heights: Vec<f64>,
    offsets: Vec<f64>,
}

impl Rows {
    pub fn new(heights: impl IntoIterator<Item = f64>) -> Rows {
        let heights: Vec<f64> = heights.into_iter().map(|h| h.max(0.0)).collect();
        let offsets = offsets(heights.iter().copied());
        Rows { heights, offsets }
    }

    /// Sets the heights of some rows (`(row, height)`; rows out of range
    /// are ignored). Changes under half a pixel are not changes (a
    /// measurement's rounding). True when anything moved.
    pub fn set(&mut self, measured: impl IntoIterator<Item = (usize, f64)>) -> bool {
        let mut first = None::<usize>;
        for (row, h) in measured {
            let h = h.max(0.0);
            let Some(old) = self.heights.get_mut(row) else {
                continue;
            };
            if (*old - h).abs() > 0.5 {
                *old = h;
                first = Some(first.map_or(row, |f| f.min(row)));
            }
        }
        let Some(first) = first else {
            return false;
        };
        let mut y = self.offsets[first];
        for (i, h) in self.heights.iter().enumerate().skip(first) {
            y += h;
            self.offsets[i + 1] = y;
        }
        true
    }

    /// As `offsets` gives them: row `i` starts at `offsets()[i]`, and the
    /// last element is the total height.
    pub fn offsets(&self) -> &[f64] {
        &self.offsets
    }

    pub fn len(&self) -> usize {
        self.heights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heights.is_empty()
    }
}

/// The rows that intersect `[top - overscan, top + viewport + overscan)`.
pub fn visible(offsets: &[f64], top: f64, viewport: f64, overscan: f64) -> Range<usize> {
    let rows = offsets.len().saturating_sub(1);
    if rows == 0 {
        return 0..0;
    }
    let from = row_at(offsets, (top - overscan).max(0.0));
    // Rows that start before the window's bottom edge.
    let to = offsets.partition_point(|&o| o < top + viewport + overscan);
    from..to.clamp(from + 1, rows)
}

/// The row containing height `y` (the last row when past the end).
pub fn row_at(offsets: &[f64], y: f64) -> usize {
    let rows = offsets.len().saturating_sub(1);
    // First offset strictly greater than y, minus one.
    let i = offsets.partition_point(|&o| o <= y);
    i.saturating_sub(1).min(rows.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_accumulate_heights() {
        assert_eq!(offsets([10.0, 20.0, 5.0]), vec![0.0, 10.0, 30.0, 35.0]);
    }

    #[test]
    fn only_rows_in_view_plus_overscan_are_visible() {
        let o = offsets(std::iter::repeat_n(50.0, 10_000));
        assert_eq!(visible(&o, 0.0, 600.0, 0.0), 0..12);
        assert_eq!(visible(&o, 1_000.0, 600.0, 100.0), 18..34);
        let end = visible(&o, 500_000.0 - 600.0, 600.0, 100.0);
        assert_eq!(end.end, 10_000);
        assert!(end.len() < 20);
    }

    #[test]
    fn rows_of_different_heights_are_found_by_position() {
        let o = offsets([100.0, 10.0, 10.0, 300.0]);
        assert_eq!(row_at(&o, 0.0), 0);
        assert_eq!(row_at(&o, 105.0), 1);
        assert_eq!(row_at(&o, 125.0), 3);
        assert_eq!(row_at(&o, 9_999.0), 3);
        assert_eq!(visible(&o, 105.0, 10.0, 0.0), 1..3);
    }

    #[test]
    fn measured_rows_move_only_the_rows_below_them_and_end_as_a_rebuild_would() {
        let mut rows = Rows::new([40.0; 6]);
        assert!(rows.set([(2, 100.0), (4, 10.0)]));
        assert_eq!(
            rows.offsets(),
            &[0.0, 40.0, 80.0, 180.0, 220.0, 230.0, 270.0]
        );
        assert_eq!(
            rows.offsets(),
            offsets([40.0, 40.0, 100.0, 40.0, 10.0, 40.0])
        );
        // The same heights again, or within half a pixel: nothing moves.
        assert!(!rows.set([(2, 100.0), (4, 10.4)]));
        // A row that is not there is no change.
        assert!(!rows.set([(6, 500.0)]));
        assert_eq!(rows.len(), 6);
        assert!(Rows::new([]).is_empty());
    }

    #[test]
    fn an_empty_list_shows_nothing() {
        assert_eq!(visible(&offsets([]), 0.0, 600.0, 100.0), 0..0);
    }
}
