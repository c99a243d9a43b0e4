//! Model files whose burnpack weights were edited and every length and checksum recomputed:
//! the loader refuses each by tensor name before burn reads the weights (burn itself would
//! panic natively and trap in wasm on a quantized dtype or a misaligned offset).

mod common;

use ciborium::Value;
use movierec::recommend::Recommender;
use proptest::prelude::*;

use common::{demo_model_bytes, set_field, tensor_entry, weights_recrafted};

/// A tensor every default-preset model has (the one the adversarial pass edited).
const TENSOR: &str = "bias_path.movie_bias.weight";

fn load_error(bytes: &[u8]) -> String {
    match Recommender::from_bytes(bytes, movierec::device()) {
        Ok(_) => panic!("a crafted file loaded"),
        Err(e) => e.to_string(),
    }
}

fn offsets(entry: &mut Value) -> (u64, u64) {
    let pair = common::map_field(entry, "data_offsets").as_array().unwrap();
    let n = |v: &Value| u64::try_from(v.as_integer().unwrap()).unwrap();
    (n(&pair[0]), n(&pair[1]))
}

fn pair(a: u64, b: u64) -> Value {
    Value::Array(vec![a.into(), b.into()])
}

/// The demo model with `TENSOR`'s descriptor edited.
fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    weights_recrafted(&demo_model_bytes(), |meta| edit(tensor_entry(meta, TENSOR)))
}

#[test]
fn the_recrafted_file_itself_loads() {
    let bytes = weights_recrafted(&demo_model_bytes(), |_| {});
    assert!(Recommender::from_bytes(&bytes, movierec::device()).is_ok());
}

#[test]
fn a_quantized_or_foreign_dtype_is_refused_by_name() {
    let qfloat: Value = ciborium::from_reader(
        &ciborium_bytes(
            &serde_json::json!({"QFloat": {"value": "Q8F", "store": "Native",
            "mode": "Symmetric", "tensor": "F32", "block": null}}),
        )[..],
    )
    .unwrap();
    for dtype in [qfloat, "F32".into(), "BF16".into(), "I8".into(), 7.into()] {
        let error = load_error(&edited(|e| set_field(e, "dtype", dtype.clone())));
        assert!(
            error.contains(TENSOR) && error.contains("dtype"),
            "{dtype:?}: {error}"
        );
    }
}

#[test]
fn offsets_out_of_line_are_refused() {
    let (start, end) = offsets(tensor_entry(&mut metadata_of(&demo_model_bytes()), TENSOR));
    for (case, (a, b), expected) in [
        ("shifted by one byte", (start + 1, end + 1), "aligned"),
        ("reversed", (end, start), "spans"),
        (
            "past the end",
            (start + (1 << 40), end + (1 << 40)),
            "spans",
        ),
        ("one element short", (start, end - 2), "needs"),
        ("over the next tensor", (start, end + 256), "needs"),
    ] {
        let error = load_error(&edited(|e| set_field(e, "data_offsets", pair(a, b))));
        assert!(
            error.contains(TENSOR) && error.contains(expected),
            "{case}: {error}"
        );
    }
}

#[test]
fn a_shape_that_disagrees_with_its_bytes_is_refused() {
    for shape in [vec![3u64], vec![u64::MAX, 4], vec![]] {
        let value = Value::Array(shape.iter().map(|&d| d.into()).collect());
        let error = load_error(&edited(|e| set_field(e, "shape", value.clone())));
        assert!(error.contains("needs"), "{shape:?}: {error}");
    }
}

#[test]
fn two_tensors_on_the_same_bytes_are_refused() {
    let bytes = weights_recrafted(&demo_model_bytes(), |meta| {
        let range = offsets(tensor_entry(meta, "bias_path.movie_bias.bias"));
        let other = tensor_entry(meta, "head_out.bias");
        set_field(other, "data_offsets", pair(range.0, range.1));
    });
    assert!(load_error(&bytes).contains("overlap"));
}

fn ciborium_bytes(json: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(json, &mut out).unwrap();
    out
}

fn metadata_of(bytes: &[u8]) -> Value {
    let mut meta = None;
    weights_recrafted(bytes, |m| meta = Some(m.clone()));
    meta.unwrap()
}

/// Values a crafted descriptor might hold.
fn wild() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        (0u64..4096).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec!["F16", "F32", "F64", "BF16", "U8", "Bool", ""])
            .prop_map(Value::from),
        prop::collection::vec(0u64..2048, 0..4)
            .prop_map(|v| Value::Array(v.into_iter().map(Value::from).collect())),
        Just(Value::Null),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any tensor's dtype, shape or offsets replaced (one at a time, or an offset nudged):
    /// the file loads or is refused, never a panic.
    #[test]
    fn mutated_weights_load_or_fail_cleanly(
        which in any::<prop::sample::Index>(),
        key in prop::sample::select(vec!["dtype", "shape", "data_offsets"]),
        value in wild(),
        nudge in -300i64..300,
    ) {
        let bytes = weights_recrafted(&demo_model_bytes(), |meta| {
            let tensors = common::map_field(meta, "tensors").as_map_mut().unwrap();
            let at = which.index(tensors.len());
            let entry = &mut tensors[at].1;
            if key == "data_offsets" && nudge != 0 {
                let (a, b) = offsets(entry);
                let moved = |x: u64| x.saturating_add_signed(nudge);
                set_field(entry, key, pair(moved(a), moved(b)));
            } else {
                set_field(entry, key, value.clone());
            }
        });
        let _ = Recommender::from_bytes(&bytes, movierec::device());
    }
}
