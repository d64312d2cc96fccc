//! Property tests for the sans-IO core: parsing never panics, the cursor never skips or repeats.
#![cfg(not(target_arch = "wasm32"))]

use momento_topics_worker::{
    parse_subscribe_response, RawEntry, SubscriptionCursor, SubscriptionEvent, TopicValue,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_subscribe_response(&body);
    }

    #[test]
    fn parser_never_panics_on_json_shaped_input(body in json_like()) {
        let _ = parse_subscribe_response(body.as_bytes());
    }
}

/// Strings built from the subscribe answer's own vocabulary, so the fuzzing reaches deep into
/// the deserialiser rather than failing at the first byte.
fn json_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just(r#""items""#.to_string()),
        Just(r#""item""#.to_string()),
        Just(r#""discontinuity""#.to_string()),
        Just(r#""heartbeat""#.to_string()),
        Just(r#""value""#.to_string()),
        Just(r#""text""#.to_string()),
        Just(r#""binary""#.to_string()),
        Just(r#""topic_sequence_number""#.to_string()),
        Just(r#""sequence_page""#.to_string()),
        Just(r#""new_topic_sequence""#.to_string()),
        Just(r#""AAE=""#.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("null".to_string()),
        Just("1e400".to_string()),
    ];
    proptest::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

/// The topic's true history: distinct pages, each with items numbered from 1. Pages usually
/// grow (they look like creation timestamps) but that is not promised, so they may also fall.
fn history() -> impl Strategy<Value = Vec<(u64, u64)>> {
    proptest::collection::vec((1u64..1000, 1u64..12, any::<bool>()), 1..4).prop_map(|pages| {
        let mut page = 5000;
        let mut all = Vec::new();
        let mut used = Vec::new();
        for (step, count, falls) in pages {
            page = if falls { page - step } else { page + step };
            while used.contains(&page) {
                page += 1; // a page is one topic instance: never reused
            }
            used.push(page);
            all.extend((1..=count).map(|seq| (page, seq)));
        }
        all
    })
}

/// One server answer: a window of the history, which may overlap earlier ones (replays after a
/// retried poll), skips the items the server lost (fell behind the ring: lost for good), may omit `sequence_page` on items that
/// stay on the page, and may announce page changes and gaps with a discontinuity.
#[derive(Debug, Clone)]
struct Answer {
    replay_back: usize,
    len: usize,
    omit_page_mask: u32,
    announce: bool,
}

fn answers() -> impl Strategy<Value = Vec<Answer>> {
    let answer = (0usize..4, 0usize..6, any::<u32>(), any::<bool>()).prop_map(
        |(replay_back, len, omit_page_mask, announce)| Answer {
            replay_back,
            len,
            omit_page_mask,
            announce,
        },
    );
    proptest::collection::vec(answer, 1..30)
}

fn render(
    history: &[(u64, u64)],
    lost: u32,
    from: usize,
    answer: &Answer,
    cursor_page: u64,
) -> Vec<RawEntry> {
    let mut entries = Vec::new();
    let mut page = cursor_page;
    let mut last_sent: Option<u64> = None;
    let mut left_cursor_page = false;
    for (offset, &(p, seq)) in history.iter().enumerate().skip(from).take(answer.len) {
        if lost & (1 << (offset % 32)) != 0 {
            continue;
        }
        let moved_page = p != page;
        let gap = !moved_page && last_sent.is_some_and(|l| seq != l + 1);
        if answer.announce && (moved_page || gap) {
            entries.push(RawEntry::Discontinuity {
                last_topic_sequence: last_sent.unwrap_or(0),
                new_topic_sequence: seq,
                new_sequence_page: Some(p),
            });
        }
        // An old server omits pages; it never mixes that with a page change in one answer.
        left_cursor_page |= p != cursor_page;
        let omit = !left_cursor_page && answer.omit_page_mask & (1 << (offset % 32)) != 0;
        entries.push(RawEntry::Item {
            topic_sequence_number: seq,
            sequence_page: if omit { None } else { Some(p) },
            value: TopicValue::from(format!("{p}:{seq}")),
        });
        page = p;
        last_sent = Some(seq);
    }
    entries
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn cursor_never_repeats_never_reorders_and_announces_every_gap(
        history in history(),
        lost in any::<u32>().prop_map(|m| m & m.rotate_left(7)), // about a quarter lost
        answers in answers(),
    ) {
        let mut cursor = SubscriptionCursor::new("c", "t").unwrap();
        let mut events = Vec::new();
        let mut next = 0usize; // index in history the server believes comes next
        let mut sent = std::collections::BTreeSet::new();
        for answer in &answers {
            let from = next.saturating_sub(answer.replay_back);
            let entries = render(&history, lost, from, answer, cursor.position().sequence_page);
            for e in &entries {
                if let RawEntry::Item { value, .. } = e {
                    // The value spells the item's true "page:seq", whatever the entry omits.
                    let text = value.as_text().unwrap();
                    let (page, seq) = text.split_once(':').unwrap();
                    sent.insert((page.parse::<u64>().unwrap(), seq.parse::<u64>().unwrap()));
                }
            }
            events.extend(cursor.apply(entries));
            next = next.max((from + answer.len).min(history.len()));
        }

        let delivered: Vec<(u64, u64)> = events.iter().filter_map(|e| e.item())
            .map(|i| (i.sequence_page, i.topic_sequence_number)).collect();
        // Never repeats, never reorders: strictly increasing positions in the history.
        let index = |key: &(u64, u64)| history.iter().position(|h| h == key).unwrap();
        let positions: Vec<usize> = delivered.iter().map(index).collect();
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "{delivered:?}");
        // Never skips: every item the server sent after the first delivery point arrives.
        if let Some(&first) = positions.first() {
            let mut expected: Vec<_> = sent.iter().copied().filter(|k| index(k) >= first).collect();
            expected.sort_by_key(index);
            prop_assert_eq!(&delivered, &expected);
        }
        // Every jump between consecutive deliveries is preceded by a discontinuity.
        let mut previous: Option<(u64, u64)> = None;
        let mut announced = false;
        for e in &events {
            match e {
                SubscriptionEvent::Discontinuity(_) => announced = true,
                SubscriptionEvent::Item(i) => {
                    let here = (i.sequence_page, i.topic_sequence_number);
                    if let Some(prev) = previous {
                        let contiguous = here.0 == prev.0 && here.1 == prev.1 + 1;
                        prop_assert!(contiguous || announced, "silent gap {prev:?} -> {here:?}");
                    }
                    previous = Some(here);
                    announced = false;
                }
                _ => {}
            }
        }
        // The cursor's next poll continues right after the last delivery.
        if let Some(&(page, seq)) = delivered.last() {
            prop_assert_eq!(cursor.last_delivered(), Some((page, seq)));
        }
    }
}
