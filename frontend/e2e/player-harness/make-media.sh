#!/usr/bin/env bash
# Makes the harness's media (a dev tool, not part of `npm run test:e2e`): a 30-second test
# video as fMP4 HLS in two renditions and as an MP4, a poster, captions in two languages, a
# thumbnails track and a 3-page PDF. Needs the ffmpeg CLI and python3.
#
#   e2e/player-harness/make-media.sh [DIR]     # default /tmp/lms-player-media
set -euo pipefail
dir=${1:-/tmp/lms-player-media}
mkdir -p "$dir/captions"
cd "$dir"
ff() { nice ffmpeg -loglevel error -y "$@"; }
src=(-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440 -t 30)

ff "${src[@]}" -map 0:v -map 1:a -map 0:v -map 1:a \
  -c:v libx264 -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -ac 2 \
  -filter:v:0 scale=640:360 -b:v:0 800k -filter:v:1 scale=320:180 -b:v:1 200k \
  -var_stream_map "v:0,a:0 v:1,a:1" -master_pl_name master.m3u8 \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 \
  -hls_segment_filename 'v%v/seg%03d.m4s' -hls_fmp4_init_filename init.mp4 'v%v/index.m3u8'
ff "${src[@]}" -c:v libx264 -pix_fmt yuv420p -c:a aac -movflags +faststart video.mp4
ff -f lavfi -i testsrc2=size=640x360:rate=1 -frames:v 1 poster.jpg

python3 - <<'PY'
def ts(s):
    return f"00:{int(s) // 60:02d}:{int(s) % 60:02d}.000"

for lang, words in (("vi", "Xin chào, đây là phụ đề"), ("en", "Hello, this is a caption")):
    lines = ["WEBVTT", ""]
    for i in range(0, 30, 3):
        lines += [f"{ts(i)} --> {ts(i + 3)}", f"{words} {i // 3 + 1}", ""]
    open(f"captions/{lang}.vtt", "w", encoding="utf-8").write("\n".join(lines))

lines = ["WEBVTT", ""]
for i in range(0, 30, 5):
    lines += [f"{ts(i)} --> {ts(i + 5)}", "poster.jpg#xywh=0,0,160,90", ""]
open("thumbs.vtt", "w").write("\n".join(lines))

# A 3-page 16:9 PDF by hand: a coloured band and a title per page, Helvetica not embedded
# (pdf.js must fall back to a system font, as for many real exports).
colours = [(0.04, 0.36, 0.69), (0.12, 0.48, 0.24), (0.66, 0.42, 0.0)]
objs = [b"<< /Type /Catalog /Pages 2 0 R >>"]
kids = " ".join(f"{3 + i * 2} 0 R" for i in range(3))
objs.append(f"<< /Type /Pages /Kids [{kids}] /Count 3 >>".encode())
for i, (r, g, b) in enumerate(colours):
    content = (f"{r} {g} {b} rg 0 0 960 120 re f 0 0 0 rg BT /F1 64 Tf 80 360 Td (Slide {i + 1}) Tj ET "
               f"BT /F1 28 Tf 80 280 Td (Human rights course - page {i + 1} of 3) Tj ET").encode()
    objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Resources << /Font << /F1 9 0 R >> >> "
                f"/Contents {4 + i * 2} 0 R >>".encode())
    objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
out = b"%PDF-1.4\n"
offsets = []
for n, o in enumerate(objs, 1):
    offsets.append(len(out))
    out += f"{n} 0 obj\n".encode() + o + b"\nendobj\n"
xref = len(out)
out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
for o in offsets:
    out += f"{o:010d} 00000 n \n".encode()
out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
open("slides.pdf", "wb").write(out)
PY
echo "media in $dir"
