//! Which thumbnail of a gcode file to show, where it lives, and decoding it
//! into the panel's pixels. Pure, like `parse`: the source fetches.
//!
//! Slicers list several thumbnails in the file's metadata; the panel shows
//! one at 84 px, so the smallest at least [`SIDE`] wide is fetched (else the
//! largest). Its path is relative to the file's folder and may not climb out
//! of it. Decoding is bounded (1024 px a side, 16 MiB), so a hostile or
//! broken file cannot exhaust the Pi's memory, and scales to fit [`SIDE`].

use crate::core::Thumbnail;

use super::parse::ThumbnailRef;

/// Thumbnails are scaled to fit a square of this many pixels (the panel
/// shows them at 84 px).
pub const SIDE: u32 = 96;

/// The thumbnail that best fits a square of `side` pixels: the smallest at
/// least that wide, or else the largest there is.
pub fn best(thumbs: &[ThumbnailRef], side: u32) -> Option<&ThumbnailRef> {
    let fits = thumbs
        .iter()
        .filter(|t| t.width >= side && t.height >= side / 2)
        .min_by_key(|t| t.width);
    fits.or_else(|| thumbs.iter().max_by_key(|t| t.width))
}

/// The path segments of a thumbnail under `/server/files/gcodes/`: the
/// file's folder, then the thumbnail's relative path. `None` if the relative
/// path tries to climb out of the folder.
pub fn segments(filename: &str, relative_path: &str) -> Option<Vec<String>> {
    let mut segments: Vec<String> = filename.split('/').map(str::to_owned).collect();
    segments.pop();
    for part in relative_path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => segments.push(p.to_owned()),
        }
    }
    segments.retain(|s| !s.is_empty());
    Some(segments)
}

/// The largest image a thumbnail may decode to (each side), so a hostile or
/// broken file cannot exhaust the Pi's memory.
const MAX_DECODED_SIDE: u32 = 1024;

/// Decodes a thumbnail (PNG or JPEG) and scales it to fit a square of
/// `side` pixels, keeping its aspect ratio.
pub fn decode(bytes: &[u8], side: u32) -> Result<Thumbnail, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read the thumbnail: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(16 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| format!("cannot decode the thumbnail: {e}"))?
        .to_rgba8();
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err("the thumbnail is empty".into());
    }
    let scale = (f64::from(side) / f64::from(w.max(h))).min(1.0);
    let (nw, nh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let img = if (nw, nh) == (w, h) {
        img
    } else {
        image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle)
    };
    Ok(Thumbnail {
        width: nw,
        height: nh,
        rgba: std::sync::Arc::new(img.into_raw()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::moonraker::parse;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!("../../../tests/fixtures/moonraker/", $name)).as_slice()
        };
    }

    #[test]
    fn the_best_fitting_thumbnail_is_chosen() {
        let meta = parse::metadata(fixture!("metadata.json")).expect("parses");
        let thumbs = meta.thumbnails.unwrap_or_default();
        assert_eq!(best(&thumbs, 96).map(|t| t.width), Some(300));
        assert_eq!(best(&thumbs, 24).map(|t| t.width), Some(32));
        assert_eq!(best(&thumbs, 500).map(|t| t.width), Some(300));
        assert_eq!(best(&[], 96), None);
    }

    #[test]
    fn thumbnails_live_beside_their_file() {
        assert_eq!(
            segments("parts/a b.gcode", ".thumbs/a b-300x300.png"),
            Some(vec![
                "parts".into(),
                ".thumbs".into(),
                "a b-300x300.png".into()
            ])
        );
        assert_eq!(
            segments("a.gcode", ".thumbs/a.png"),
            Some(vec![".thumbs".into(), "a.png".into()])
        );
        assert_eq!(segments("a.gcode", "../../etc/passwd"), None);
    }

    #[test]
    fn thumbnails_decode_and_scale_and_corrupt_ones_fail_cleanly() {
        let t = decode(fixture!("thumb-300x300.png"), 96).expect("valid PNG");
        assert_eq!((t.width, t.height), (96, 96));
        assert_eq!(t.rgba.len(), 96 * 96 * 4);
        let small = decode(fixture!("thumb-32x32.png"), 96).expect("valid PNG");
        assert_eq!((small.width, small.height), (32, 32));
        assert!(decode(fixture!("corrupt.png"), 96).is_err());
        assert!(decode(b"", 96).is_err());
    }
}
