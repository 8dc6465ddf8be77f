"""cartcyto.stats.survival against R 4.x survival (3.5-3).

Values printed by tests/reference/stats_survival.R; data tests/reference/lung.csv is
survival::lung (NCCTG lung cancer, 228 patients, status 2 = dead, missing covariates).
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.survival import (
    CI_AJ, CI_COLUMNS, CI_KM, COX_COLUMNS, STEP_COLUMNS, _score_test, backward_lr_cox, cox_method,
    cox_ph, cumulative_incidence, ties_for,
)

RTOL = 1e-7


@pytest.fixture(scope="module")
def lung():
    d = pd.read_csv(Path(__file__).parent / "reference" / "lung.csv")
    d["dead"] = d["status"] == 2
    return d


# (covariates, ties) -> (HR, ci_low, ci_high, p, n, events), each from
# R: fit <- coxph(Surv(time, status) ~ <covariates>, lung, ties = <ties>)
#    exp(coef(fit)); exp(confint(fit)); summary(fit)$coefficients[, "Pr(>|z|)"]; fit$n; fit$nevent
COX_R = {
    ("age+sex", "breslow"): (
        [1.01715843259764, 0.598957406233887], [0.998938755627469, 0.431372020722934],
        [1.03571041885806, 0.831648686628303], [0.065063023301971, 0.00220760102660862], 228, 165),
    ("age+sex+ph.karno", "breslow"): (
        [1.01242684629893, 0.60859357252087, 0.986779646521389],
        [0.993938296917145, 0.43809500482743, 0.975470438772902],
        [1.03125930682621, 0.845447066121228, 0.998219968627436],
        [0.189056073646964, 0.00306634773398718, 0.0236418963387323], 227, 164),
    ("age+sex+ph.ecog+wt.loss", "breslow"): (
        [1.01342911405478, 0.554300117312429, 1.67202167723333, 0.991066197065639],
        [0.994485798563344, 0.393087097631771, 1.30619905412884, 0.978219507005355],
        [1.03273326848662, 0.781629877713237, 2.14029896921238, 1.00408159920365],
        [0.165865079770812, 0.000765370084120519, 4.49682978097986e-05, 0.177635318686164], 213, 151),
    ("age+sex", "efron"): (
        [1.01719143244487, 0.598565980406791], [0.998968580290331, 0.431093578804223],
        [1.03574669979965, 0.83109851437396], [0.0645910121295471, 0.00217844504671314], 228, 165),
    ("age+sex+ph.karno", "efron"): (
        [1.0124522963448, 0.608249396106375, 0.986766505864469],
        [0.993961015226028, 0.437848974762306, 0.975459592273475],
        [1.03128758238145, 0.844965614147235, 0.998204482080678],
        [0.188211979320655, 0.00303258383246365, 0.0234761584663654], 227, 164),
    ("age+sex+ph.ecog+wt.loss", "efron"): (
        [1.01345886041492, 0.553898108274585, 1.67382443525721, 0.991034381300276],
        [0.994514306616998, 0.392808363463161, 1.3075806620695, 0.978186747640841],
        [1.03276428998529, 0.781050361670667, 2.14265040875559, 1.00405075747339],
        [0.164950949423348, 0.000753538445481163, 4.34052365552123e-05, 0.176135342486745], 213, 151),
}


def _check_cox(lung, covariates, ties):
    hr, lo, hi, p, n, events = COX_R[(covariates, ties)]
    terms = covariates.split("+")
    df = cox_ph(lung, "time", "dead", terms, ties=ties)
    assert list(df.columns) == COX_COLUMNS and list(df.term) == terms
    assert_allclose(df.estimate, hr, rtol=RTOL)
    assert_allclose(df.ci_low, lo, rtol=RTOL)
    assert_allclose(df.ci_high, hi, rtol=RTOL)
    assert_allclose(df.p_value, p, rtol=1e-6)
    assert (df.n == n).all() and (df.events == events).all() and (df.statistic == "HR").all()
    assert (df.method == cox_method(ties)).all()


@pytest.mark.parametrize("covariates", ["age+sex", "age+sex+ph.karno", "age+sex+ph.ecog+wt.loss"])
def test_cox_ph_spss_breslow_against_R(lung, covariates):
    _check_cox(lung, covariates, ties_for("spss"))


@pytest.mark.parametrize("covariates", ["age+sex", "age+sex+ph.karno", "age+sex+ph.ecog+wt.loss"])
def test_cox_ph_r_efron_against_R(lung, covariates):
    _check_cox(lung, covariates, ties_for("r"))


def test_cox_method_strings_and_ties_for():
    assert ties_for("spss") == "breslow" and ties_for("r") == "efron"
    assert cox_method("breslow") == "Cox proportional hazards, Breslow ties, Wald 95% CI, Wald p"
    assert cox_method("efron") == "Cox proportional hazards, Efron ties, Wald 95% CI, Wald p"
    with pytest.raises(ValueError, match="convention"):
        ties_for("stata")


def test_cox_ph_degenerate_warns_and_returns_nan():
    d = pd.DataFrame({"t": range(1, 11), "e": [1, 1, 1, 0, 1, 0, 0, 1, 0, 0],
                      "x": [0, 0, 0, 1, 0, 1, 1, 0, 1, 1], "z": [1, 3, 2, 5, 4, 3, 2, 1, 2, 3]})
    with pytest.warns(RuntimeWarning, match="monotone likelihood"):
        df = cox_ph(d, "t", "e", ["x", "z"], ties="efron")   # no event when x = 1
    assert df.estimate.isna().all() and (df.n == 10).all() and "not estimable" in df.method[0]
    with pytest.warns(RuntimeWarning, match="no events"):
        df = cox_ph(d.assign(e=0), "t", "e", "z", ties="breslow")
    assert df.p_value.isna().all()
    with pytest.warns(RuntimeWarning, match="constant"):
        cox_ph(d.assign(x=1), "t", "e", ["x", "z"], ties="breslow")


def test_cox_ph_invalid_input():
    d = pd.DataFrame({"t": [1, 2, 3], "s": [1, 2, 2], "g": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="recode"):
        cox_ph(d, "t", "s", ["t"], ties="breslow")
    with pytest.raises(ValueError, match="dummy-code"):
        cox_ph(d.assign(s=1), "t", "s", ["g"], ties="breslow")
    with pytest.raises(ValueError, match="not in df"):
        cox_ph(d, "t", "s", ["age"], ties="breslow")
    with pytest.raises(ValueError, match="ties must be"):
        cox_ph(d, "t", "s", ["t"], ties="exact")


# ---- cumulative incidence ----------------------------------------------------------------------

# R: d_time  <- c(0, 2, 3, 3, 5, 5, 5, 8, 9, 12, 12, 15, 20, 21.5)
#    d_event <- c(1, 0, 1, 1, 1, 0, 0, 1, 0, 1,  0,  1,  0,  1)
#    d_comp  <- c(0, 1, 0, 0, 0, 1, 0, 0, 0, 0,  1,  0,  0,  0)
D_TIME = [0, 2, 3, 3, 5, 5, 5, 8, 9, 12, 12, 15, 20, 21.5]
D_EVENT = [1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1]
D_COMP = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]
# R: summary(survfit(Surv(d_time, st) ~ 1), times = 0:25, extend = TRUE)$n.risk  (same for KM)
N_RISK = [14, 13, 13, 12, 10, 10, 7, 7, 7, 6, 5, 5, 5, 3, 3, 3, 2, 2, 2, 2, 2, 1, 0, 0, 0, 0]


def test_cumulative_incidence_km_against_R():
    df = cumulative_incidence(D_TIME, D_EVENT, horizon=25)
    assert list(df.columns) == CI_COLUMNS and list(df.day) == list(range(26))
    # R: 1 - summary(survfit(Surv(d_time, d_event) ~ 1), times = 0:25, extend = TRUE)$surv
    expected = [0.0714285714285714] * 3 + [0.226190476190476] * 2 + [0.303571428571428] * 3 + \
        [0.403061224489796] * 4 + [0.522448979591837] * 3 + [0.681632653061224] * 7 + [1] * 4
    assert_allclose(df.cumulative_incidence, expected, rtol=1e-12)
    assert_allclose(df.n_at_risk, N_RISK)
    assert (df.n == 14).all() and (df.method == CI_KM).all()


def test_cumulative_incidence_aalen_johansen_against_R():
    df = cumulative_incidence(D_TIME, D_EVENT, competing=D_COMP, horizon=25)
    # R: st <- factor(ifelse(d_event == 1, 1, ifelse(d_comp == 1, 2, 0)), 0:2)
    # R: summary(survfit(Surv(d_time, st) ~ 1), times = 0:25, extend = TRUE)$pstate[, 2]
    expected = [0.0714285714285714] * 3 + [0.214285714285714] * 2 + [0.285714285714286] * 3 + \
        [0.36734693877551] * 4 + [0.46530612244898] * 3 + [0.563265306122449] * 7 + \
        [0.759183673469388] * 4
    assert_allclose(df.cumulative_incidence, expected, rtol=1e-12)
    assert_allclose(df.n_at_risk, N_RISK)
    assert (df.method == CI_AJ).all()
    competing = cumulative_incidence(D_TIME, D_COMP, competing=D_EVENT, horizon=25)
    # R: summary(survfit(Surv(d_time, st) ~ 1), times = 0:25, extend = TRUE)$pstate[, 3]
    expected = [0, 0] + [0.0714285714285714] * 3 + [0.142857142857143] * 7 + \
        [0.240816326530612] * 14
    assert_allclose(competing.cumulative_incidence, expected, rtol=1e-12, atol=1e-15)


def test_cumulative_incidence_lung_against_R(lung):
    df = cumulative_incidence(lung.time, lung.dead, horizon=400).set_index("day")
    days = list(range(0, 401, 50))
    # R: 1 - summary(survfit(Surv(time, status) ~ 1, data = lung), times = seq(0, 400, 50))$surv
    assert_allclose(df.loc[days, "cumulative_incidence"],
                    [0, 0.0482456140350879, 0.136031032354756, 0.206899936470197, 0.319727137776991,
                     0.403330819747415, 0.469391882239438, 0.547615959303642, 0.623182904247156],
                    rtol=1e-12, atol=1e-15)
    # R: summary(survfit(Surv(time, status) ~ 1, data = lung), times = seq(0, 400, 50))$n.risk
    assert_allclose(df.loc[days, "n_at_risk"], [228, 217, 196, 179, 144, 115, 92, 75, 57])


def test_cumulative_incidence_missing_and_invalid():
    df = cumulative_incidence([3, np.nan, 5], pd.array([1, 1, pd.NA], dtype="Int64"), horizon=4)
    assert (df.n == 1).all() and df.cumulative_incidence.tolist() == [0, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="both event and competing"):
        cumulative_incidence([1, 2], [1, 0], competing=[1, 0], horizon=3)
    with pytest.raises(ValueError, match="horizon"):
        cumulative_incidence([1, 2], [1, 0], horizon=-1)


# ---- backward stepwise (LR) -------------------------------------------------------------------

CANDIDATES = ["age", "sex", "ph.ecog", "ph.karno", "pat.karno", "wt.loss", "meal.cal"]
# ties -> (start loglik, [(removed, LR chi2, p, loglik after)], final HR, ci_low, ci_high, p), from
# R: bstep(ties) in tests/reference/stats_survival.R (coxph refits on the 168 complete cases)
BSTEP_R = {
    "breslow": (-498.895406082885,
                [("meal.cal", 0.0162686544125563, 0.898506181941287, -498.903540410092),
                 ("age", 0.83641248586855, 0.360424821474, -499.321746653026),
                 ("pat.karno", 2.51772470286255, 0.112572908384653, -500.580609004457)],
                [0.568306173811769, 2.30750174488484, 1.01793663435238, 0.988009003183303],
                [0.385295111060648, 1.50641108588272, 0.99643048858531, 0.973564326992935],
                [0.838245536787345, 3.5346024418869, 1.0399069512895, 1.00266799358431],
                [0.00437506636582815, 0.000121466338384885, 0.102733052829923, 0.1084091154854]),
    "efron": (-498.751949051581,
              [("meal.cal", 0.0163744363289879, 0.898178541685666, -498.760136269746),
               ("age", 0.838665935354129, 0.359778592886581, -499.179469237423),
               ("pat.karno", 2.52492295877892, 0.112060253556471, -500.441930716812)],
              [0.567795943426579, 2.30935203189574, 1.01794994107677, 0.987960077014934],
              [0.384950200022743, 1.507734463542, 0.996452074073489, 0.97351365275479],
              [0.837490754265441, 3.53716581810589, 1.03991161190736, 1.00262087851911],
              [0.00431290180087784, 0.000119318300213373, 0.102342277818535, 0.107027622517036]),
}


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_backward_lr_cox_against_R(lung, ties):
    start, removals, hr, lo, hi, p = BSTEP_R[ties]
    model, log = backward_lr_cox(lung, "time", "dead", CANDIDATES, ties=ties)
    assert list(log.columns) == STEP_COLUMNS
    assert list(log.action) == ["start", "remove", "remove", "remove", "stop"]
    assert_allclose(log.loglik[0], start, rtol=1e-10)
    steps = log[log.action == "remove"]
    assert list(steps.term) == [r[0] for r in removals]
    assert_allclose(steps.value, [r[1] for r in removals], rtol=1e-6)
    assert_allclose(steps.p_value, [r[2] for r in removals], rtol=1e-6)
    assert_allclose(steps.loglik, [r[3] for r in removals], rtol=1e-10)
    assert list(model.term) == ["sex", "ph.ecog", "ph.karno", "wt.loss"]
    assert_allclose(model.estimate, hr, rtol=RTOL)
    assert_allclose(model.ci_low, lo, rtol=RTOL)
    assert_allclose(model.ci_high, hi, rtol=RTOL)
    assert_allclose(model.p_value, p, rtol=1e-6)
    assert (model.n == 168).all() and (model.events == 121).all()
    assert model.method[0].startswith(cox_method(ties) + "; backward stepwise selection")


@pytest.mark.parametrize("ties,expected", [
    # R: coxph(Surv(time, status) ~ sex + ph.ecog + ph.karno + wt.loss + <term>, cc, ties = ties,
    #          init = c(coef(fit), 0), control = coxph.control(iter.max = 0))$score
    ("breslow", [0.988067102502239, 2.55426545213896, 0.0918170517309257]),
    ("efron", [0.991434597130625, 2.56154280817981, 0.0921226675708706]),
])
def test_backward_entry_score_test_against_R(lung, ties, expected):
    cc = lung.dropna(subset=["time", "status"] + CANDIDATES)
    current = ["sex", "ph.ecog", "ph.karno", "wt.loss"]
    model = cox_ph(cc, "time", "dead", current, ties=ties)
    beta = np.log(model.estimate.to_numpy())
    got = [_score_test(cc.time.to_numpy(float), cc.dead.to_numpy(float),
                       cc[current].to_numpy(float), cc[t].to_numpy(float), beta, ties)
           for t in ["age", "pat.karno", "meal.cal"]]
    assert_allclose(got, expected, rtol=1e-6)
