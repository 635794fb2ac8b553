//! Stable sorting with one compiled sort for the whole program.
//!
//! Every `slice::sort_by` call with its own element type or closure is a
//! separate copy of the standard library's sort (about 4 KiB of wasm each);
//! the console had nine of them in its first-load module alone. These
//! functions sort a list of positions through a `dyn` comparison instead, so
//! the sort itself is compiled once, and only the small in-place reordering
//! is generic. Stable: equal items keep their order, like `sort_by`.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their order.
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let order = {
        let items = &*items;
        sorted_positions(items.len(), &|a, b| compare(&items[a], &items[b]))
    };
    reorder(items, &order);
}

/// Sorts `items` by the key `key` gives, keeping equal items in their order.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The positions `0..len` in the order `compare` puts them.
#[inline(never)]
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the item at `order[i]` to position `i`, for every `i`, in place.
fn reorder<T>(items: &mut [T], order: &[usize]) {
    for i in 0..items.len() {
        // Earlier swaps moved the wanted item away from `order[i]`, each time
        // to the position that item's slot was taken from: follow them.
        let mut from = order[i];
        while from < i {
            from = order[from];
        }
        items.swap(i, from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator: the tests must not depend on a seed
    /// from the environment.
    fn numbers(seed: u64, len: usize, range: u64) -> Vec<u64> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % range
            })
            .collect()
    }

    #[test]
    fn sorts_like_the_standard_stable_sort_for_every_length_and_many_orders() {
        for len in 0..40 {
            for seed in 0..25 {
                // (key, original position): equal keys show whether order is kept.
                let items: Vec<(u64, usize)> = numbers(seed, len, 5)
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| (k, i))
                    .collect();
                let mut ours = items.clone();
                sort_by_key(&mut ours, |&(k, _)| k);
                let mut std = items.clone();
                std.sort_by_key(|&(k, _)| k);
                assert_eq!(ours, std, "len {len}, seed {seed}");
            }
        }
    }

    #[test]
    fn a_reversing_comparison_keeps_equal_items_in_their_order() {
        let mut items = vec![(1, 'a'), (3, 'b'), (1, 'c'), (2, 'd'), (3, 'e')];
        sort_by(&mut items, |a, b| b.0.cmp(&a.0));
        assert_eq!(
            items,
            vec![(3, 'b'), (3, 'e'), (2, 'd'), (1, 'a'), (1, 'c')]
        );
    }

    #[test]
    fn items_that_cannot_be_copied_are_moved_not_cloned() {
        let mut items: Vec<String> = ["pear", "apple", "fig"].map(String::from).to_vec();
        sort_by(&mut items, |a, b| a.len().cmp(&b.len()));
        assert_eq!(items, ["fig", "pear", "apple"]);
    }
}
