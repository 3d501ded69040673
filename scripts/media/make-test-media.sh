#!/usr/bin/env bash
# Makes the small media files committed under test/media/ (run from the repository root).
# Needs ffmpeg (FFMPEG_PATH, or the one @ffmpeg-installer/ffmpeg ships) and espeak-ng (speech.mp3 only).
# The outputs are committed so that CI needs neither; rerun only to change them.
set -euo pipefail
cd "$(dirname "$0")/../.."
FF="${FFMPEG_PATH:-$(node -e "console.log(require('@ffmpeg-installer/ffmpeg').path)")}"
OUT=test/media
mkdir -p "$OUT/faces"
ff() { "$FF" -hide_banner -v error -y "$@"; }
# Encoders: fixed thread count and bitexact flags so reruns give the same bytes.
X264=(-c:v libx264 -preset medium -crf 12 -pix_fmt yuv420p -threads 1 -x264-params threads=1 -fflags +bitexact -flags:v +bitexact)

# 3.0 s, 10 fps, 96x72. Frame n is flat grey with luma 16 + 7n, so a decoded frame tells its own number
# (R = G = B ≈ 7n·255/219). Audio: 440 Hz sine at 44.1 kHz (AAC).
ff -f lavfi -i "color=c=black:s=96x72:r=10:d=3,geq=lum='16+7*N':cb=128:cr=128" \
   -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=3" \
   "${X264[@]}" -c:a aac -b:a 48k -ac 1 -shortest "$OUT/index-av.mp4"

# Variable frame rate: frames 0-9 at 0.0..0.9 s, then a 0.6 s gap, frames 10-19 at 1.5..2.4 s.
ff -f lavfi -i "color=c=black:s=64x48:r=10:d=2,geq=lum='16+7*N':cb=128:cr=128,setpts='(N*0.1+if(gte(N,10),0.5,0))/TB'" \
   -vsync vfr "${X264[@]}" "$OUT/vfr.mkv"

# Video without audio.
ff -f lavfi -i "testsrc2=s=64x48:r=10:d=1" "${X264[@]}" "$OUT/video-only.mp4"

# Lossless audio with an exact length: 1.25 s at 44.1 kHz → exactly 20000 samples at 16 kHz.
ff -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=1.25" -ac 1 -c:a flac "$OUT/tone-44k.flac"

# Speech (espeak-ng), as MP3.
espeak-ng -v en-us -s 160 -w /tmp/affectflow-speech.wav "Hello there. This is a short test of the speech track."
ff -i /tmp/affectflow-speech.wav -ac 1 -ar 22050 -c:a libmp3lame -b:a 32k "$OUT/speech.mp3"
rm -f /tmp/affectflow-speech.wav

# A corrupt file: the first 4 kB of an MP4 whose index (moov) sits at the end.
head -c 4096 "$OUT/index-av.mp4" > "$OUT/corrupt.mp4"

# A folder of face crops as BAH ships them (frame-<N>.jpg), with gaps (2, 4..9 missing), mixed sizes and
# one PNG. Image N is a flat colour with red = 20·N so its position can be checked after decoding.
rm -f "$OUT"/faces/frame-*
for spec in 0:256:jpg 1:128:jpg 3:256:jpg 10:64:png; do
  IFS=: read -r n s ext <<< "$spec"
  ff -f lavfi -i "color=c=0x$(printf '%02x' $((20 * n)))8040:s=${s}x${s}:d=0.04" -frames:v 1 -q:v 2 "$OUT/faces/frame-$n.$ext"
done

ls -la "$OUT" "$OUT/faces"
du -sh "$OUT"

# The real photo used by the face tests is cropped at test time from @vladmandic/face-api demo/sample3.jpg.

