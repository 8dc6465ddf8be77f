"""Wang 2021 synthetic cohort, step 3: daily lab values, treatments, CRS grades and markers.

Turns the truth (``wang2021_truth``) and the recovery plan (``wang2021_recovery``) into long
tables whose derivation gives back exactly the planned onset, nadir, recovery and phase
severity (data contract section 2):

* a lab schedule per patient: 2-3 pre-lymphodepletion days (the last one, day -5 or -6, is the
  pre-LD value), sometimes day -3 (during LD), day -1 (and sometimes -2) for T2, then day 0 and
  every 2-3 days to the last lab day, plus every day an episode needs (onset, nadir, recovery and
  two confirming days, transfusion days) and day 28;
* values per lineage, piecewise: pre-onset values at least 10% above the severe threshold;
  in-episode values below it (the nadir, the lowest T3 value, inside the episode); a transfusion
  raises Hb / PLT for the 7 days the recovery definitions ignore after it; from the recovery day on,
  values stay above 1.1 x threshold while rising to a recovered level (some with a mild
  second dip that stays clear of the threshold: biphasic recovery);
* G-CSF every day of ANC < 0.5 (and a few days for 7 patients with ANC 0.5-1.0), PRBC / platelet
  transfusion (1-2 PRBC units) on the first measured day with Hb < 60 / PLT < 20 and again on
  the first measured day a week after each, while at least 8 days before the recovery,
  tocilizumab and corticosteroids around the CRS peak;
* CRS grades for days 0..28 (graded days contiguous from onset to recovery - 1), ICANS grades;
* markers on ~3 days a week over days 0..28, with the planned maximum on the CRS peak day.
"""
from __future__ import annotations

import math

import numpy as np

from cartcyto.synth.common import weighted_choice
from cartcyto.synth.wang2021_truth import LINEAGES, MARKER_UNITS, MARKERS, TEST, THRESHOLD

STEP = {"sn": 0.01, "sa": 1.0, "st": 1.0}          # lab precision (ANC 2 decimals; Hb, PLT integers)
RECOVERED = {"sn": (1.2, 4.5), "sa": (78, 118), "st": (60, 220)}   # recovered-level ranges
BUMP = {"sa": (8, 11), "st": (15, 45)}              # rise per PRBC unit (g/L) / platelet dose (10^9/L)
TRANSFUSION_FREE = 8
UNIT = {"anc": "10^9/L", "hb": "g/L", "plt": "10^9/L"}
NOISE = {"sn": 0.15, "sa": 0.03, "st": 0.12}        # day-to-day variation (sd of log value)
SAFE = {"sn": 1.1, "sa": 1.04, "st": 1.1}           # non-severe values stay >= SAFE x threshold
PRE_ONSET = {"sn": (1.12, 1.5), "sa": (1.04, 1.2), "st": (1.12, 1.5)}   # last value before onset
AT_ONSET = {"sn": (0.6, 0.95), "sa": (0.88, 0.98), "st": (0.6, 0.95)}   # first severe value
AT_RECOVERY = {"sn": (1.15, 1.6), "sa": (1.03, 1.15), "st": (1.15, 1.6)}  # value on the recovery day
RAMP_DAYS = {"sn": (6, 16), "sa": (12, 28), "st": (6, 16)}   # recovery day -> recovered level


def _rnd(x: float, lin: str) -> float:
    return round(x, 2) if lin == "sn" else float(round(x))


def _up(x: float, lin: str) -> float:
    s = STEP[lin]
    return math.ceil(x / s - 1e-9) * s if lin != "sn" else math.ceil(round(x * 100, 6)) / 100


def _interp(days, d0, v0, d1, v1, log: bool):
    days = np.asarray(days, dtype=float)
    if d1 == d0:
        return np.full(days.size, v1)
    f = np.clip((days - d0) / (d1 - d0), 0, 1)
    if log and v0 > 0 and v1 > 0:
        return np.exp(np.log(v0) + f * (np.log(v1) - np.log(v0)))
    return v0 + f * (v1 - v0)


def _schedule(rng, i: int, plan: dict, last: int) -> tuple[list[int], int]:
    """Lab days of one patient and its pre-LD day."""
    pre = -5 if rng.random() < 0.7 else -6
    days = {pre, pre - int(rng.integers(2, 4))}
    if rng.random() < 0.6:
        days.add(pre - int(rng.integers(5, 8)))
    if rng.random() < 0.5:
        days.add(-3)
    days.add(-1)
    if rng.random() < 0.5:
        days.add(-2)
    d = 0
    while d <= last:
        days.add(d)
        d += int(rng.choice([2, 2, 3])) if d < 28 else int(rng.integers(3, 8))
    days.update({28 if last >= 28 else last, last})
    for lin in LINEAGES:
        o, r = plan["onset"][lin][i], plan["recovery"][lin][i]
        if not np.isnan(o):
            days.add(int(o))
        if not np.isnan(r):
            days.update({int(r), int(r) + 1, int(r) + 3})
    return sorted(x for x in days if x <= last), pre


def _episode_days(sched, o, r, last):
    end = r if not np.isnan(r) else last + 1
    return [d for d in sched if o <= d < end]


def _transfusion_days(sched, o, r, last):
    """The first measured in-episode day, then the first measured day >= 7 days after the
    previous transfusion (its effect lasts the 7 days the recovery rules ignore), all at least
    8 days before the recovery: the number of transfusions grows with the episode's length."""
    end = (r - TRANSFUSION_FREE) if not np.isnan(r) else last - 1
    cand = [d for d in sched if o <= d <= end]
    if not cand:
        return []
    out = [cand[0]]
    for d in cand:
        if d >= out[-1] + 7:
            out.append(d)
    return out


class Patient:
    """Builds the rows of one patient (labs, treatments) from its truth and plan."""

    def __init__(self, i, t, plan, rng, support):
        self.i, self.t, self.plan, self.rng, self.support = i, t, plan, rng, support
        self.last = int(plan["last_lab"][i])
        self.sched, self.pre = _schedule(rng, i, plan, self.last)
        self.labs: list[tuple] = []
        self.treat: list[tuple] = []
        self.info = {"gcsf_days": 0, "prbc_units": 0, "platelet_tx": 0, "t3_len": {}, "duration": {}}

    # ---------------------------------------------------------------- one lineage
    def lineage(self, lin: str):
        i, t, plan, rng = self.i, self.t, self.plan, self.rng
        thr, step = THRESHOLD[lin], STEP[lin]
        pat = t["pattern"][lin]
        sched = np.array(self.sched)
        vals = np.full(sched.size, np.nan)
        pre_day = self.pre
        v1 = float(t["pre_ld"][TEST[lin]][i])
        t1, t2 = bool(pat["t1"][i]), bool(pat["t2"][i])
        safe = _up(thr * SAFE[lin], lin)
        sigma = NOISE[lin]

        def noisy(x):
            x = np.asarray(x, dtype=float)
            return x * np.exp(rng.normal(0.0, sigma, x.size))
        # T1 (pre-LD day = v1; earlier days around it)
        for k, d in enumerate(sched):
            if d < pre_day:
                f = rng.uniform(0.85, 1.3)
                vals[k] = _rnd(v1 * f, lin) if t1 else max(_rnd(v1 * f, lin), safe)
            elif d == pre_day:
                vals[k] = v1
        # transfusion before LD for T1-only severe anaemia / thrombocytopenia
        if t1 and not t2 and lin in ("sa", "st"):
            self.treat.append((pre_day, "prbc" if lin == "sa" else "platelets", 2 if lin == "sa" else 1))
            v1_after = v1 + rng.uniform(*BUMP[lin]) + (8 if lin == "sa" else 10)
        else:
            v1_after = v1
        # T2 level
        if t2:
            v2 = {"sn": rng.uniform(0.02, 0.45), "sa": rng.uniform(49, 58.4), "st": rng.uniform(5, 18.4)}[lin]
        else:
            dip = {"sn": rng.uniform(0.35, 0.85), "sa": rng.uniform(0.9, 1.0), "st": rng.uniform(0.7, 1.0)}[lin]
            v2 = max(v1_after * dip, safe * rng.uniform(1.0, 1.15))
        v2 = _rnd(v2, lin)
        for k, d in enumerate(sched):
            if pre_day < d < -2:
                vals[k] = _rnd(0.5 * (v1_after + v2), lin) if not t2 else _rnd(max(0.5 * (v1 + v2), v2), lin)
            elif -2 <= d <= -1:
                vals[k] = v2 if d == -1 else (_rnd(v2 * rng.uniform(1.0, 1.2), lin) if not t2 else v2)
        if not t2:
            vals[(sched >= -2) & (sched <= -1)] = np.maximum(vals[(sched >= -2) & (sched <= -1)], safe)

        # T3
        t3 = sched >= 0
        o, r = plan["onset"][lin][i], plan["recovery"][lin][i]
        lo_rec, hi_rec = RECOVERED[lin]
        level = rng.uniform(lo_rec, hi_rec) if lin != "sn" else math.exp(rng.uniform(math.log(lo_rec), math.log(hi_rec)))
        infl = t["inflammation"][i]
        s0 = max(v2 if not t2 else v2, safe) if np.isnan(o) or o > 0 else v2
        if np.isnan(o):  # no T3 episode: a dip that stays clear of the threshold
            nd = int(rng.integers(3, 13))
            extra = self.support.get((lin, i))
            if extra:
                vn = {"sn": rng.uniform(0.56, 0.95), "sa": rng.uniform(61, 68.4), "st": rng.uniform(21, 28.4)}[lin]
            else:
                vn = {"sn": math.exp(rng.uniform(math.log(0.65), math.log(2.5))) * (1 if infl < 1 else 0.8),
                      "sa": rng.uniform(64, 95), "st": rng.uniform(24, 90)}[lin]
            vn = max(vn, thr * 1.02)
            days3 = sched[t3]
            curve = np.where(days3 <= nd, _interp(days3, 0, max(s0, vn), nd, vn, True),
                             _interp(days3, nd, vn, nd + rng.uniform(8, 18), level, True))
            out = np.array([max(_rnd(x, lin), _up(vn, lin)) for x in noisy(curve)])
            vals[t3] = out
            if extra:
                k = int(np.argmin(out))
                self._support_extra(lin, int(days3[k]))
            self.info["t3_len"][lin] = 0
            return vals
        o = int(o)
        days3 = sched[t3]
        pre_on = days3 < o
        if pre_on.any():
            end_v = thr * rng.uniform(*PRE_ONSET[lin])
            curve = _interp(days3[pre_on], 0, max(s0, end_v), o - 1, end_v, True)
            vals[np.flatnonzero(t3)[pre_on]] = [max(_rnd(x, lin), safe) for x in noisy(curve)]
        ep_days = _episode_days(list(days3), o, r, self.last)
        # nadir inside the episode (SN earlier than SA/ST)
        frac = {"sn": 0.3, "sa": 0.45, "st": 0.4}[lin]
        nad = ep_days[min(len(ep_days) - 1, int(round(frac * (len(ep_days) - 1) * rng.uniform(0.5, 1.5))))]
        depth = 1.0 / (1.0 + math.exp(-(0.9 * infl + rng.normal(0, 0.8))))   # deeper with inflammation
        vn = {"sn": 0.0 if depth > 0.85 else 0.3 * (1 - depth) + 0.01,
              "sa": 52 - 14 * depth, "st": 15 - 12 * depth}[lin]
        vn = max(0.0, _rnd(vn, lin))
        vo = thr * rng.uniform(*AT_ONSET[lin])
        vend = thr * rng.uniform(0.7, 0.95)
        ep = np.array(ep_days, dtype=float)
        base = np.where(ep <= nad, _interp(ep, o, max(vo, vn), nad, vn, False),
                        _interp(ep, nad, vn, (r - 1) if not np.isnan(r) else self.last, max(vend, vn), False))
        base = np.array([min(max(_rnd(x, lin), vn), _rnd(thr - step, lin)) for x in noisy(base)])
        base[ep == nad] = vn
        # transfusions (chosen patients): bump the 7 days after each
        tx = []
        product = {"sa": "prbc", "st": "platelets"}.get(lin)
        if product and self.support.get((product, i)):
            tx = _transfusion_days(ep_days, o, r, self.last)
        bumped = base.copy()
        for p in tx:
            units = 2 if (lin == "sa" and rng.random() < 0.6) else 1
            dlt = units * rng.uniform(*BUMP[lin])
            inside = (ep > p) & (ep <= p + 7)
            bumped[inside] = np.round(bumped[inside] + dlt * (1 - (ep[inside] - p) / 7.0), 0)
            self.treat.append((p, product, units))
            if lin == "sa":
                self.info["prbc_units"] += units
            else:
                self.info["platelet_tx"] += 1
        idx_ep = np.flatnonzero(t3)[(days3 >= o) & (days3 < (r if not np.isnan(r) else self.last + 1))]
        vals[idx_ep] = bumped
        if lin == "sn":
            g_end = int(r) if not np.isnan(r) else self.last + 1
            g0 = max(o, 0)
            for d in range(g0, g_end):
                if d == g0 or d < g_end - 1 or rng.random() < 0.5:
                    self.treat.append((d, "gcsf", 300))
                    self.info["gcsf_days"] += 1
        self.info["t3_len"][lin] = ((r if not np.isnan(r) else self.last) - o)
        # the episode's duration as the derivation counts it (baseline: from the first severe
        # T1/T2 day; not recovered: to the last lab day)
        if pat["baseline"][i]:
            phase = (sched < -4) | ((sched >= -2) & (sched <= -1))
            start = float(sched[phase & (vals < thr)].min())
        else:
            start = float(o)
        self.info["duration"][lin] = (r if not np.isnan(r) else self.last) - start
        self.info["first_severe"] = min(self.info.get("first_severe", 0.0), start)
        if not np.isnan(r):
            post = days3 >= r
            dd = days3[post]
            start = thr * rng.uniform(*AT_RECOVERY[lin])
            curve = _interp(dd, r, start, r + rng.uniform(*RAMP_DAYS[lin]), max(level, start), True)
            if rng.random() < 0.25:   # biphasic: a mild second dip, well above the threshold
                c = r + rng.uniform(6, 14)
                curve = curve * (1 - 0.45 * np.exp(-((dd - c) / 3.0) ** 2))
            vals[np.flatnonzero(t3)[post]] = [max(_rnd(x, lin), safe) for x in noisy(curve)]
        return vals

    def _support_extra(self, lin, day):
        if lin == "sn":
            for d in range(day, day + int(self.rng.integers(1, 4))):
                self.treat.append((d, "gcsf", 300))
                self.info["gcsf_days"] += 1
        elif lin == "sa":
            self.treat.append((day, "prbc", 1))
            self.info["prbc_units"] += 1
        else:
            self.treat.append((day, "platelets", 1))
            self.info["platelet_tx"] += 1

    def build(self):
        for lin in LINEAGES:
            vals = self.lineage(lin)
            for d, v in zip(self.sched, vals):
                self.labs.append((d, TEST[lin], float(v)))
        return self


def crs_rows(t: dict, i: int, rng) -> list[tuple]:
    """Daily CRS (and ICANS) grades for days 0..max(28, recovery + 1)."""
    g = int(t["crs_grade"][i])
    on, pk, rc = t["crs_onset"][i], t["crs_peak"][i], t["crs_recovery"][i]
    end = 28 if np.isnan(rc) else max(28, int(rc) + 1)
    grades = np.zeros(end + 1, dtype=int)
    if g >= 1:
        on, pk, rc = int(on), int(pk), int(rc)
        for d in range(on, pk):
            grades[d] = max(1, min(g - 1, 1 + int((g - 1) * (d - on + 1) / (pk - on + 1))))
        grades[pk] = g
        m = rc - pk - 1
        for j in range(m):
            d = pk + 1 + j
            lvl = g - (g - 1) * (j + 1) / (m + 1) + rng.uniform(-0.4, 0.4) if j > 0 else g - rng.integers(0, 2)
            grades[d] = int(min(g, max(1, round(lvl))))
    icans = np.zeros(end + 1, dtype=int)
    if t["icans"][i]:
        ref = int(pk) if g >= 1 else int(rng.integers(3, 9))
        start = min(end - 4, ref + int(rng.integers(1, 4)))
        for d in range(start, start + int(rng.integers(1, 5))):
            icans[d] = t["icans_grade"][i] if d < start + 1 or rng.random() < 0.6 else 1
    return [(d, int(grades[d]), int(icans[d])) for d in range(end + 1)]


def toci_rows(t: dict, i: int, rng) -> list[tuple]:
    if not t["toci_or_steroid"][i]:
        return []
    g = int(t["crs_grade"][i])
    pk = int(t["crs_peak"][i]) if not np.isnan(t["crs_peak"][i]) else 5
    out = []
    steroid_only = g <= 2 and rng.random() < 0.25
    if not steroid_only:
        out.append((pk, "tocilizumab", 8))
        if g >= 3 and rng.random() < 0.4:
            out.append((pk + 1, "tocilizumab", 8))
    if g >= 4 or steroid_only or (g == 3 and rng.random() < 0.5):
        for d in range(pk, pk + int(rng.integers(2, 6))):
            out.append((d, "corticosteroid", 10))
    return out


def marker_rows(t: dict, i: int, rng) -> list[tuple]:
    """Markers on ~3 days a week, days 0..28; each marker's maximum is ``t["marker_peak"]``."""
    days = {0, 28}
    d = 0
    while d < 28:
        d += int(rng.choice([2, 2, 3]))
        if d < 28:
            days.add(d)
    tp = int(t["crs_peak"][i]) if not np.isnan(t["crs_peak"][i]) else int(rng.integers(4, 11))
    tp = min(tp, 28)
    days.add(tp)
    days = sorted(days)
    k = days.index(tp)
    before, after = days[:k], days[k + 1:]
    rows = []
    for m in list(MARKERS) + ["ferritin"]:
        dec = MARKERS[m][3] if m in MARKERS else 1
        step = 10.0 ** -dec
        peak = float(t["marker_peak"][m][i])
        lgp = math.log10(peak)
        if m == "ferritin":
            lg0 = min(math.log10(t["ferritin"][i]) + rng.uniform(-0.05, 0.08), lgp - 0.03)
        else:
            lg0 = lgp - rng.uniform(0.4, 1.4)
        w_rise, w_fall = rng.uniform(1.5, 4.0), rng.uniform(3.0, 8.0)
        # one normal per day other than the peak day, in day order (the same draws as one call per day)
        noise = rng.normal(0.0, 0.05, len(days) - 1).tolist()
        top, unit, span = round(peak - step, dec), MARKER_UNITS[m], lgp - lg0
        lv = ([max(lg0, lg0 + span * math.exp(-(tp - d) / w_rise)) for d in before]
              + [lg0 + span * math.exp(-(d - tp) / w_fall) for d in after])
        vals = [max(min(round(10.0 ** (x + e), dec), top), step) for x, e in zip(lv, noise)]
        rows += [(d, m, v, unit) for d, v in zip(before, vals[:k])]
        rows.append((tp, m, peak, unit))
        rows += [(d, m, v, unit) for d, v in zip(after, vals[k:])]
    return rows


def choose_support(t: dict, plan: dict, rng) -> dict:
    """Which patients get PRBC / platelets after the infusion (exactly 38 / 35 of the analysis
    set) and which 7 without severe neutropenia in T3 get a few days of G-CSF (counts scaled to
    other analysis-set sizes: ``t["counts"]["support"]``)."""
    na = int(t["analysis"].sum())
    n_support = t["counts"]["support"]
    support = {}
    n = t["crs_grade"].size
    for lin, product in (("sa", "prbc"), ("st", "platelets")):
        o, r, last = plan["onset"][lin], plan["recovery"][lin], plan["last_lab"]
        length = np.where(np.isnan(r), last - 1, r - TRANSFUSION_FREE) - o
        eligible = ~np.isnan(o) & (length >= 0)
        k = n_support[product]
        w = np.exp(0.08 * np.nan_to_num(length))
        n_el = int(eligible[:na].sum())
        chosen = np.zeros(n, dtype=bool)
        chosen[:na] = weighted_choice(w[:na], min(k, n_el), rng, eligible=eligible[:na])
        if n_el < k:   # a few transfused without a severe value (Hb 61-68 / PLT 21-28)
            none = np.isnan(o[:na])
            extra = weighted_choice(np.exp(0.8 * t["z_grade"][:na]), k - n_el, rng, eligible=none)
            for j in np.flatnonzero(extra):
                support[(lin, int(j))] = True
        chosen[na:] = eligible[na:] & (rng.random(n - na) < 0.8)
        for j in np.flatnonzero(chosen):
            support[(product, int(j))] = True
    no_sn = np.isnan(plan["onset"]["sn"][:na])
    extra = weighted_choice(np.exp(0.8 * t["z_grade"][:na]), n_support["gcsf_extra"], rng, eligible=no_sn)
    for j in np.flatnonzero(extra):
        support[("sn", int(j))] = True
    return support
