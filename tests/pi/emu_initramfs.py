"""The emulated board's initramfs (tests/pi/emulated_boot.py): a newc cpio
archive the kernel unpacks as its root, holding busybox, the guest's /init,
the piboard binary with its shared-library closure from the multiarch
directories of its architecture (arm64 or armhf), the kernel modules the virtio devices need (with their
dependencies, in load order), libinput's quirks, the xkb data and one
system font. Python 3 standard library only.
"""

import os
import re
import stat
import subprocess
from pathlib import Path

MODULES = ["virtio_pci", "virtio_gpu", "virtio_input", "evdev"]
# Debian's multiarch directory for each architecture the board emulates.
MULTIARCH = {"arm64": "aarch64-linux-gnu", "armhf": "arm-linux-gnueabihf"}


def lib_dirs(arch):
    """Where the libraries of `arch` live on this (build) machine."""
    return [f"/usr/lib/{MULTIARCH[arch]}", f"/lib/{MULTIARCH[arch]}"]

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <cachedir>/tmp/fontconfig</cachedir>
</fontconfig>
"""


class Cpio:
    """A newc ("070701") archive, the format the kernel unpacks as initramfs."""

    def __init__(self):
        self.data = bytearray()
        self.ino = 1
        self.seen = set()

    def _entry(self, name, mode, body=b"", rdev=(0, 0)):
        name = name.lstrip("/")
        fields = [self.ino, mode, 0, 0, 1, 0, len(body), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        self.data += b"070701" + b"".join(b"%08x" % f for f in fields)
        self.data += name.encode() + b"\0"
        self.data += b"\0" * (-len(self.data) % 4)
        self.data += body
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, path):
        parts = Path(path.lstrip("/")).parts
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.seen:
                self.seen.add(d)
                self._entry(d, stat.S_IFDIR | 0o755)

    def file(self, path, body, mode=0o644):
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, body)

    def copy(self, path, src):
        src = Path(src)
        mode = 0o755 if os.access(src, os.X_OK) else 0o644
        self.file(path, src.read_bytes(), mode)

    def symlink(self, path, target):
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor):
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def tree(self, dest, src):
        for root, dirs, files in os.walk(src):
            rel = os.path.relpath(root, src)
            base = dest if rel == "." else f"{dest}/{rel}"
            self.dir(base)
            for f in sorted(files):
                p = os.path.join(root, f)
                if os.path.islink(p):
                    self.symlink(f"{base}/{f}", os.readlink(p))
                else:
                    self.copy(f"{base}/{f}", p)
            for d in dirs:
                p = os.path.join(root, d)
                if os.path.islink(p):
                    self.symlink(f"{base}/{d}", os.readlink(p))

    def bytes(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def module_order(moddir):
    """The wanted modules and their dependencies, dependencies first."""
    paths = {}
    for p in Path(moddir, "kernel").rglob("*.ko"):
        paths[p.stem.replace("-", "_")] = p
    order = []

    def visit(name):
        name = name.replace("-", "_")
        if name in order:
            return
        if name not in paths:
            raise SystemExit(f"module {name} not found under {moddir} (built in?)")
        deps = run("modinfo", "-F", "depends", str(paths[name])).strip()
        for d in filter(None, deps.split(",")):
            visit(d)
        order.append(name)

    for m in MODULES:
        visit(m)
    return [(n, paths[n]) for n in order]


def library_closure(binary, arch):
    """The interpreter and every NEEDED library, found in `arch`'s multiarch dirs."""
    interp = re.search(r"program interpreter: (\S+)\]", run("readelf", "-l", binary))
    if not interp:
        raise SystemExit(f"{binary}: no program interpreter")
    found = {}
    todo = [binary]
    while todo:
        for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                              run("readelf", "-d", todo.pop())):
            if lib in found:
                continue
            for d in lib_dirs(arch):
                if os.path.exists(f"{d}/{lib}"):
                    found[lib] = os.path.realpath(f"{d}/{lib}")
                    todo.append(found[lib])
                    break
            else:
                raise SystemExit(f"{lib} (needed by the closure of {binary}) is not "
                                 f"in {lib_dirs(arch)}: install its {arch} package")
    return interp.group(1), found


def build_initramfs(args, work, init):
    """WORK/initramfs.cpio for `args` (the binary, kernel modules, busybox,
    data directories, font), with `init` (text) as /init."""
    cpio = Cpio()
    for d in ["proc", "sys", "dev", "tmp", "run", "root", "bin", "sbin", "usr/bin"]:
        cpio.dir(d)
    cpio.chardev("dev/console", 5, 1)
    cpio.copy("bin/busybox", args.busybox)
    cpio.file("init", init.encode(), 0o755)
    cpio.copy("usr/bin/piboard", args.bin)
    interp, libs = library_closure(args.bin, args.arch)
    cpio.copy(interp, os.path.realpath(interp))
    for name, path in sorted(libs.items()):
        cpio.copy(f"lib/{MULTIARCH[args.arch]}/{name}", path)
    mods = module_order(args.moddir)
    for name, path in mods:
        cpio.copy(f"modules/{path.name}", path)
    cpio.file("modules/order", "\n".join(p.name for _, p in mods).encode() + b"\n")
    cpio.tree("usr/share/libinput", args.libinput_data)
    if os.path.isdir(args.xkb_data):
        cpio.tree("usr/share/X11/xkb", args.xkb_data)
    cpio.file("etc/fonts/fonts.conf", FONTS_CONF.encode())
    # One system font, as on the Pi (libfontconfig1 pulls in fonts-dejavu-core):
    # piboard draws with its embedded fonts, but fontique's fontconfig backend
    # panics (NoMatch) when fontconfig knows no font at all.
    cpio.copy(f"usr/share/fonts/{os.path.basename(args.font)}", args.font)
    image = cpio.bytes()
    out = work / "initramfs.cpio"
    out.write_bytes(image)
    print(f"initramfs: {len(image) / 1e6:.1f} MB, {len(libs)} libraries, "
          f"modules: {' '.join(n for n, _ in mods)}")
    return out
