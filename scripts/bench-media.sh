#!/usr/bin/env bash
# Media benchmark: a 60-second 1080p30 lecture-like clip through the ladder, three ways, with
# the same settings (libx264 preset/CRF/maxrate/bufsize/GOP, AAC 128k 48 kHz stereo, fMP4 HLS
# with 6 s segments, MP4 fallback with faststart, poster, thumbnail sprite):
#
#   ours  `lms-media-worker transcode`: decode once, one encoder thread per rendition
#         (480p and below scaled from the 720p picture); also measured with
#         `--scale-from-source` (every rung scaled from the source, exactly as (a) does)
#   (a)   the ffmpeg CLI in ONE process: decode once, `split` to the scaled outputs, one
#         HLS output per rendition, audio encoded once (tee to its HLS group and the MP4)
#   (b)   one ffmpeg CLI process per rendition, run one after the other (the common approach
#         elsewhere), plus one for audio, a remux for the MP4 and one for poster + sprite
#
# Each is run BENCH_RUNS times (default 3); the median wall time and CPU seconds (user + sys,
# children included, from GNU time) are printed with the ratios ours/(a) (target <= 1.05) and
# ours/(b) (target <= 0.6).
#
#   BENCH_RUNS (default 3)  BENCH_SECONDS (clip length, default 60)  BENCH_KEEP=1 keeps the
#   work directory  BENCH_DIR (default: a fresh /tmp/lms-bench-media.XXXXXX)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-60}

for tool in ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || { echo "bench-media: $tool is missing: sudo apt-get install ffmpeg" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "bench-media: GNU time is missing: sudo apt-get install time" >&2; exit 1; }

cargo build --release -p lms-media-worker
bin=$CARGO_TARGET_DIR/release/lms-media-worker

if [[ -n ${BENCH_DIR:-} ]]; then
  work=$BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/lms-bench-media.XXXXXX)
fi
cleanup() { [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT

# The settings every variant uses (they mirror TranscodeOptions::default()).
preset=veryfast crf=23 fps=30 gop=60 seg=6 abr=128k
# name:width:height:maxrate(bit/s)
ladder=(240p:426:240:200000 360p:640:360:400000 480p:854:480:700000 720p:1280:720:1200000 1080p:1920:1080:2500000)
fallback=480p

x264_args() { # maxrate
  echo "-c:v libx264 -preset $preset -crf $crf -profile:v high -pix_fmt yuv420p" \
    "-b:v $1 -maxrate $1 -bufsize $(($1 * 2))" \
    "-g $gop -keyint_min $gop -sc_threshold 0 -forced-idr 1 -x264-params scenecut=0:open-gop=0"
}
hls_args() { # dir
  echo "-f hls -hls_time $seg -hls_playlist_type vod -hls_segment_type fmp4" \
    "-hls_flags independent_segments -hls_fmp4_init_filename init.mp4" \
    "-hls_segment_filename $1/seg_%05d.m4s $1/index.m3u8"
}
aac_args="-c:a aac -b:a $abr -ar 48000 -ac 2"
ff="ffmpeg -hide_banner -nostdin -loglevel error -y"

# --- The clip: slides (a text card every 10 s) with a small moving speaker inset, and a
# speech-like sound (pink noise with a syllable-rate envelope). Encoded like a typical upload:
# H.264 High, 8 Mbit/s, AAC 48 kHz stereo.
src=$work/lecture-1080p30.mp4
if [[ ! -s $src ]]; then
  echo "bench-media: generating a ${seconds}s 1080p30 lecture-like clip..." >&2
  font=$(fc-match -f '%{file}' 'DejaVu Sans:bold' 2>/dev/null || true)
  [[ -n $font && -f $font ]] || font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
  slide="drawbox=x=0:y=0:w=iw:h=140:color=0x1f4e79:t=fill"
  slide+=",drawtext=fontfile=$font:fontsize=64:fontcolor=white:x=80:y=40:text='Human rights training - slide %{eif\\:floor(t/10)+1\\:d}'"
  for line in 1 2 3 4 5; do
    slide+=",drawtext=fontfile=$font:fontsize=44:fontcolor=0x222222:x=120:y=$((200 + line * 110)):text='- Point $line of this slide, with some words on it'"
  done
  $ff -f lavfi -i "color=c=0xf4f4f0:s=1920x1080:r=30:d=$seconds" \
      -f lavfi -i "testsrc2=s=384x216:r=30:d=$seconds" \
      -f lavfi -i "anoisesrc=color=pink:sample_rate=48000:amplitude=0.3:d=$seconds" \
      -filter_complex "[0:v]$slide[bg];[1:v]hue=s=0.3[inset];[bg][inset]overlay=x=W-w-60:y=H-h-60,format=yuv420p[v];[2:a]volume='0.35+0.65*abs(sin(2*PI*2.5*t))':eval=frame,pan=stereo|c0=c0|c1=c0[a]" \
      -map '[v]' -map '[a]' -c:v libx264 -preset medium -b:v 8M -maxrate 8M -bufsize 16M -g 60 \
      -c:a aac -b:a 192k -movflags +faststart "$src"
fi
duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$src")

# --- The variants. Each writes into the directory given as $1.
run_ours() {
  "$bin" transcode "$src" "$1" --min-duration-s 1 --max-duration-s 600 --force \
    --preset "$preset" --crf "$crf" >/dev/null 2>"$work/ours.log"
}

run_ours_direct() {
  "$bin" transcode "$src" "$1" --min-duration-s 1 --max-duration-s 600 --force \
    --preset "$preset" --crf "$crf" --scale-from-source >/dev/null 2>"$work/ours.log"
}

run_one_process() {
  local out=$1 n=${#ladder[@]} graph maps=() i=0 spec name w h rate
  mkdir -p "$out/audio"
  graph="[0:v]fps=$fps:start_time=0,split=$((n + 2))"
  for i in $(seq 0 $((n - 1))); do graph+="[s$i]"; done
  graph+="[sp][st]"
  for i in $(seq 0 $((n - 1))); do
    IFS=: read -r name w h rate <<<"${ladder[$i]}"
    graph+=";[s$i]scale=$w:$h:flags=bicubic,format=yuv420p[v$i]"
  done
  # Poster: the frame 10 % in, at the 720p size; one 160x90 tile every 10 s.
  graph+=";[sp]select='eq(n\\,$(awk -v d="$duration" -v f="$fps" 'BEGIN{printf "%d", d*f/10}'))',scale=1280:720:flags=bicubic,format=yuvj420p[poster]"
  graph+=";[st]select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,10)',scale=160:90:flags=bicubic,format=yuvj420p,tile=10x1[sprite]"
  for i in $(seq 0 $((n - 1))); do
    IFS=: read -r name w h rate <<<"${ladder[$i]}"
    mkdir -p "$out/$name"
    # The same libx264 threads per rung as ours used (see its summary.json).
    maps+=(-threads "$(threads_for "$name")")
    if [[ $name == "$fallback" ]]; then
      # The fallback rung carries the single audio encode; tee splits it into the rung's HLS,
      # the audio HLS group and the faststart MP4.
      local hls="f=hls:hls_time=$seg:hls_playlist_type=vod:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4"
      maps+=(-map "[v$i]" -map 0:a $(x264_args "$rate") $aac_args -flags +global_header -f tee
        "[select=v:$hls:hls_segment_filename=$out/$name/seg_%05d.m4s]$out/$name/index.m3u8|[select=a:$hls:hls_segment_filename=$out/audio/seg_%05d.m4s]$out/audio/index.m3u8|[f=mp4:movflags=+faststart]$out/video.mp4")
    else
      maps+=(-map "[v$i]" $(x264_args "$rate") $(hls_args "$out/$name"))
    fi
  done
  maps+=(-map '[poster]' -frames:v 1 -q:v 3 "$out/poster.jpg" -map '[sprite]' -frames:v 1 -q:v 3 "$out/sprite.jpg")
  $ff -i "$src" -filter_complex "$graph" "${maps[@]}"
}

# libx264 threads ours gave a rung (it shares the cores out between the rungs); (a) uses the
# same, (b) runs one encoder at a time and leaves libx264 its default (all cores).
threads_for() {
  awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }' "$work/threads.txt"
}

run_per_rendition() {
  local out=$1 spec name w h rate
  for spec in "${ladder[@]}"; do
    IFS=: read -r name w h rate <<<"$spec"
    mkdir -p "$out/$name"
    $ff -i "$src" -vf "fps=$fps:start_time=0,scale=$w:$h:flags=bicubic,format=yuv420p" -an \
      $(x264_args "$rate") $(hls_args "$out/$name")
  done
  mkdir -p "$out/audio"
  $ff -i "$src" -vn $aac_args $(hls_args "$out/audio")
  $ff -i "$out/$fallback/index.m3u8" -i "$out/audio/index.m3u8" -map 0:v -map 1:a -c copy \
    -movflags +faststart "$out/video.mp4"
  $ff -ss "$(awk -v d="$duration" 'BEGIN{print d/10}')" -i "$src" -frames:v 1 \
    -vf scale=1280:720:flags=bicubic -q:v 3 "$out/poster.jpg"
  $ff -i "$src" -vf "fps=1/10,scale=160:90:flags=bicubic,tile=10x1" -frames:v 1 -q:v 3 "$out/sprite.jpg"
}

# measure VARIANT → appends "wall cpu" to $work/VARIANT.times
measure() {
  local variant=$1 out=$work/out-$1
  rm -rf "$out"
  [[ $variant == ours* ]] || mkdir -p "$out"
  /usr/bin/time -f "%e %U %S" -o "$work/time.txt" bash -c "set -euo pipefail; $(declare -f run_ours run_ours_direct run_one_process run_per_rendition x264_args hls_args threads_for); $(declare -p ladder src work bin preset crf fps gop seg abr aac_args ff fallback duration); run_$variant \"$out\""
  awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/time.txt" >>"$work/$variant.times"
  if [[ $variant == ours ]]; then
    /usr/bin/python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["renditions"]: print(r["name"], r["x264_threads"])' \
      "$out/summary.json" >"$work/threads.txt"
  fi
  # Sanity: every variant must have produced a playable ladder.
  for spec in "${ladder[@]}"; do
    local name=${spec%%:*}
    [[ -s $out/$name/index.m3u8 ]] || { echo "bench-media: $variant produced no $name playlist" >&2; exit 1; }
  done
  [[ -s $out/video.mp4 && -s $out/poster.jpg && -s $out/sprite.jpg ]] ||
    { echo "bench-media: $variant lacks the MP4, poster or sprite" >&2; exit 1; }
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

variants=(ours ours_direct one_process per_rendition)
rm -f "$work"/*.times
for run in $(seq 1 "$runs"); do
  for v in "${variants[@]}"; do
    echo "bench-media: run $run/$runs: $v..." >&2
    measure "$v"
  done
done

declare -A wall cpu
for v in "${variants[@]}"; do
  wall[$v]=$(cut -d' ' -f1 "$work/$v.times" | median)
  cpu[$v]=$(cut -d' ' -f2 "$work/$v.times" | median)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "ok" : "MISSED" }'; }

echo
echo "Media ladder benchmark: ${duration}s 1080p30 clip, ladder ${ladder[*]%%:*}, preset $preset, CRF $crf,"
echo "source $(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$src" | awk '{printf "%.1f", $1/1e6}') Mbit/s;" \
  "$(nproc) cores; libx264 threads per rung (ours and (a)): $(tr '\n' ' ' <"$work/threads.txt")"
echo "median of $runs runs (wall seconds, CPU seconds = user + sys of all processes)"
printf '%-40s %10s %10s\n' "variant" "wall s" "CPU s"
printf '%-40s %10s %10s\n' "ours: lms-media-worker transcode" "${wall[ours]}" "${cpu[ours]}"
printf '%-40s %10s %10s\n' "ours, every rung scaled from the source" "${wall[ours_direct]}" "${cpu[ours_direct]}"
printf '%-40s %10s %10s\n' "(a) ffmpeg CLI, one process, split" "${wall[one_process]}" "${cpu[one_process]}"
printf '%-40s %10s %10s\n' "(b) ffmpeg CLI, one process per rung" "${wall[per_rendition]}" "${cpu[per_rendition]}"
echo
for pair in "one_process:(a):1.05" "per_rendition:(b):0.6"; do
  IFS=: read -r v label target <<<"$pair"
  rw=$(ratio "${wall[ours]}" "${wall[$v]}")
  rc=$(ratio "${cpu[ours]}" "${cpu[$v]}")
  printf 'ours/%s  wall %s (%s)  CPU %s (%s)  target <= %s\n' "$label" "$rw" "$(verdict "$rw" "$target")" \
    "$rc" "$(verdict "$rc" "$target")" "$target"
done
printf 'ours scaled from the source/(a) (identical work)  wall %s  CPU %s\n' \
  "$(ratio "${wall[ours_direct]}" "${wall[one_process]}")" "$(ratio "${cpu[ours_direct]}" "${cpu[one_process]}")"
