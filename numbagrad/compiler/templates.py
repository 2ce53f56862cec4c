"""Source templates of the kernels that are not plain elementwise loops.

Each template returns the body (a list of source lines, indented for a function body) of a
generated njit function, given the names of its arguments in the generated source (an array's
parameter name, or a literal for a constant buffer) and the kernel's options.

The loops are the NumPy expressions of the eager nodes (`ops/normalization.py`), statement for
statement, so that results agree bit for bit. NumPy's row sums are reproduced exactly by the
helper `_pw`, NumPy's pairwise summation (`np.add.reduce` over a contiguous run, blocks of 8
partial sums below 128 elements, halves above). Only the helpers a module calls are written into
it (`helpers`).
"""
import re

_HELPER_SOURCES = {
    '_pw_block': '''
@njit(cache=True, error_model="numpy")
def _pw_block(a, lo, n, z):
    """NumPy's pairwise sum of a run of at most 128 elements, accumulated in the type of z."""
    if n < 8:
        res = z
        for i in range(n):
            res += a[lo + i]
        return res
    r0 = z + a[lo]
    r1 = z + a[lo + 1]
    r2 = z + a[lo + 2]
    r3 = z + a[lo + 3]
    r4 = z + a[lo + 4]
    r5 = z + a[lo + 5]
    r6 = z + a[lo + 6]
    r7 = z + a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res
''',
    '_pw': '''
@njit(cache=True, error_model="numpy")
def _pw(a, lo, n, z):
    """NumPy's pairwise sum of a[lo:lo + n] in the type of z: runs of at most 128 elements summed
    by _pw_block, longer runs split in halves (the first a multiple of 8) and the halves' sums
    added. The recursion is walked with an explicit stack (numba's cache does not reload
    recursive functions safely)."""
    if n <= 128:
        return _pw_block(a, lo, n, z)
    los = np.empty(64, np.int64)
    ns = np.empty(64, np.int64)
    stage = np.zeros(64, np.int64)
    left = np.full(64, z)
    sp = 0
    los[0] = lo
    ns[0] = n
    v = z
    while True:
        m = ns[sp]
        if m > 128:
            n2 = m // 2
            n2 -= n2 % 8
            stage[sp] = 1
            sp += 1
            los[sp] = los[sp - 1]
            ns[sp] = n2
            stage[sp] = 0
            continue
        v = _pw_block(a, los[sp], m, z)
        while True:
            sp -= 1
            if sp < 0:
                return v
            if stage[sp] == 1:
                left[sp] = v
                stage[sp] = 2
                m = ns[sp]
                n2 = m // 2
                n2 -= n2 % 8
                sp += 1
                los[sp] = los[sp - 1] + n2
                ns[sp] = m - n2
                stage[sp] = 0
                break
            v = left[sp] + v
''',
    '_labels_ok': '''
@njit(cache=True, error_model="numpy")
def _labels_ok(target, c, ignore_index):
    """True when every label is ignore_index or in [0, c) (validated before the step runs)."""
    for i in range(target.shape[0]):
        t = target[i]
        if t != ignore_index and (t < 0 or t >= c):
            return False
    return True
''',
}


def helpers(source):
    """The helpers `source` calls, and those they call, in an order that defines each before use."""
    needed = set()
    text = source
    while True:
        more = {n for n in _HELPER_SOURCES if n not in needed and re.search(r"\b%s\(" % n, text)}
        if not more:
            break
        needed |= more
        text = "".join(_HELPER_SOURCES[n] for n in more)
    return "".join(src for n, src in _HELPER_SOURCES.items() if n in needed)


def _t(dtype):
    return {"float32": "_f4", "float64": "_f8"}[str(dtype)]


def ln_forward(a, options, dtypes):
    """LayerNorm forward over the last axis (`LayerNorm.forward`, NumPy's operations)."""
    (eps,) = options
    x, w, b, xhat, rstd, out = a
    T = _t(dtypes[0])
    lines = [
        f"n, d = {x}.shape",
        f"row = np.empty(d, {x}.dtype)",
        "for i in range(n):",
        f"    mean = {T}(np.float64(_pw({x}[i], 0, d, {T}(0.0))) / d)",
        "    for j in range(d):",
        f"        row[j] = {T}({x}[i, j] - mean)",
        f"        {xhat}[i, j] = {T}(row[j] * row[j])",
        f"    var = {T}(np.float64(_pw({xhat}[i], 0, d, {T}(0.0))) / d)",
        f"    r = {T}({T}(1.0) / np.sqrt({T}(var + {T}({eps!r}))))",
        f"    {rstd}[i] = r",
        "    for j in range(d):",
        f"        v = {T}(row[j] * r)",
        f"        {xhat}[i, j] = v",
    ]
    if w != "None":
        lines.append(f"        v = {T}(v * {w}[j])")
    if b != "None":
        lines.append(f"        v = {T}(v + {b}[j])")
    lines.append(f"        {out}[i, j] = v")
    return lines


def ln_backward(a, options, dtypes):
    """LayerNorm backward w.r.t. the input (`LayerNorm.backward`, NumPy's operations)."""
    g, w, xhat, rstd, out = a
    T = _t(dtypes[0])
    lines = [
        f"n, d = {g}.shape",
        f"gh = np.empty(d, {g}.dtype)",
        f"pr = np.empty(d, {g}.dtype)",
        "for i in range(n):",
        "    for j in range(d):",
        (f"        gh[j] = {T}({g}[i, j] * {w}[j])" if w != "None" else f"        gh[j] = {g}[i, j]"),
        f"        pr[j] = {T}(gh[j] * {xhat}[i, j])",
        f"    s1 = {T}(_pw(gh, 0, d, {T}(0.0)) / {T}(d))",
        f"    s2 = {T}(_pw(pr, 0, d, {T}(0.0)) / {T}(d))",
        f"    r = {rstd}[i]",
        "    for j in range(d):",
        f"        {out}[i, j] = {T}({T}({T}(gh[j] - s1) - {T}({xhat}[i, j] * s2)) * r)",
    ]
    return lines


TEMPLATES = {
    "ln_forward": ln_forward,
    "ln_backward": ln_backward,
}
