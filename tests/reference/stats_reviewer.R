# Reference values for the reviewer's methods (tests/test_stats_kaplan_meier.py,
# tests/test_stats_competing.py, tests/test_stats_diagnostics.py, tests/test_stats_firth.py,
# tests/test_stats_exact.py).
# Run from the repository root: Rscript tests/reference/stats_reviewer.R
# R 4.x with survival >= 3.5, cmprsk 2.2, brglm2 0.9 (Debian: r-cran-survival r-cran-cmprsk
# r-cran-brglm2). Writes tests/reference/competing.csv and endometrial.csv the first time.
suppressPackageStartupMessages({library(survival); library(cmprsk); library(brglm2)})
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")
lung <- read.csv("tests/reference/lung.csv")

# ---- Kaplan-Meier median and CI: quantile(survfit(...), 0.5) ----
for (ct in c("log", "log-log")) {
  q <- quantile(survfit(Surv(time, status) ~ 1, data = lung, conf.type = ct), 0.5)
  out(paste("lung median", ct), q$quantile, q$lower, q$upper)
  for (s in 1:2) {
    q <- quantile(survfit(Surv(time, status) ~ 1, data = lung[lung$sex == s, ], conf.type = ct), 0.5)
    out(paste("lung sex", s, "median", ct), q$quantile, q$lower, q$upper)
  }
  # the curve hits 0.5 exactly: median = midpoint of the flat stretch
  q <- quantile(survfit(Surv(c(1, 2, 3, 4, 5, 6), rep(1, 6)) ~ 1, conf.type = ct), 0.5)
  out(paste("six deaths median", ct), q$quantile, q$lower, q$upper)
  q <- quantile(survfit(Surv(c(1, 2, 2, 3, 5, 7, 8, 9), c(1, 1, 0, 1, 1, 0, 1, 0)) ~ 1, conf.type = ct), 0.5)
  out(paste("eight median", ct), q$quantile, q$lower, q$upper)
}

# ---- log-rank: survdiff(rho = 0) ----
sd <- survdiff(Surv(time, status) ~ sex, data = lung); out("logrank sex chisq, p", sd$chisq, pchisq(sd$chisq, 1, lower.tail = FALSE))
sd <- survdiff(Surv(time, status) ~ ph.ecog, data = lung); out("logrank ph.ecog chisq, p, n", sd$chisq, pchisq(sd$chisq, 3, lower.tail = FALSE), sum(sd$n))

# ---- stratified Cox: coxph(... + strata(sex)) ----
for (ties in c("breslow", "efron")) {
  fit <- coxph(Surv(time, status) ~ age + ph.karno + strata(sex), data = lung, ties = ties)
  out(paste("strata(sex) age+ph.karno", ties, "HR"), exp(coef(fit)))
  out(paste("strata(sex) age+ph.karno", ties, "ci"), exp(confint(fit)))
  out(paste("strata(sex) age+ph.karno", ties, "p, n, events"), summary(fit)$coefficients[, 5], fit$n, fit$nevent)
}

# ---- cox.zph ----
for (ties in c("breslow", "efron")) for (tr in c("km", "identity", "rank", "log")) {
  fit <- coxph(Surv(time, status) ~ age + sex + ph.karno, data = lung, ties = ties)
  z <- cox.zph(fit, transform = tr)
  out(paste("zph", ties, tr, "chisq"), z$table[, "chisq"])
  out(paste("zph", ties, tr, "p"), z$table[, "p"])
  if (tr == "km") {
    out(paste("zph", ties, "km y[1:3, ]"), t(z$y[1:3, ]))
    out(paste("zph", ties, "km x[1:3], time[1:3]"), z$x[1:3], z$time[1:3])
  }
}

# ---- competing risks: cuminc, timepoints, Gray's test, crr ----
if (!file.exists("tests/reference/competing.csv")) {
  set.seed(20240611)
  n <- 150
  grp <- sample(c("a", "b", "c"), n, replace = TRUE)
  x1 <- round(rnorm(n), 2); x2 <- rbinom(n, 1, 0.4)
  h1 <- 0.05 * exp(0.5 * x1 + 0.6 * x2 + (grp == "b") * 0.5); h2 <- 0.03 * exp(-0.3 * x1)
  t1 <- rexp(n, h1); t2 <- rexp(n, h2); cens <- runif(n, 5, 60)
  time <- ceiling(pmin(t1, t2, cens))          # whole days: ties of every kind
  status <- ifelse(cens <= pmin(t1, t2), 0, ifelse(t1 < t2, 1, 2))
  write.csv(data.frame(time, status, group = grp, x1, x2), "tests/reference/competing.csv", row.names = FALSE)
}
cr <- read.csv("tests/reference/competing.csv")
ci <- cuminc(cr$time, cr$status, cr$group)
tp <- timepoints(ci, c(0, 5, 10, 20, 30, 45))
for (g in c("a", "b", "c")) {
  out(paste("cuminc", g, "1 est at 0,5,10,20,30,45"), tp$est[paste(g, 1), ])
  out(paste("cuminc", g, "1 var at 0,5,10,20,30,45"), tp$var[paste(g, 1), ])
}
out("gray cause 1 stat, p, df", ci$Tests[1, ])
out("gray cause 2 stat, p, df", ci$Tests[2, ])
ci2 <- cuminc(cr$time, cr$status, cr$x2)
out("gray x2 cause 1 stat, p, df", ci2$Tests[1, ])
all1 <- timepoints(cuminc(cr$time, cr$status), c(0, 5, 10, 20, 30, 45))
out("cuminc all 1 est", all1$est[1, ]); out("cuminc all 1 var", all1$var[1, ])
for (cov in list(c("x1"), c("x1", "x2"))) {
  fg <- crr(cr$time, cr$status, as.matrix(cr[, cov, drop = FALSE]), gtol = 1e-12, maxiter = 100)
  out(paste("crr", paste(cov, collapse = "+"), "sHR"), exp(fg$coef))
  out(paste("crr", paste(cov, collapse = "+"), "se"), sqrt(diag(fg$var)))
  out(paste("crr", paste(cov, collapse = "+"), "p (Wald, unrounded)"), 2 * pnorm(-abs(fg$coef / sqrt(diag(fg$var)))))
  fit <- coxph(as.formula(paste("Surv(time, status == 1) ~", paste(cov, collapse = "+"))), data = cr, ties = "breslow")
  out(paste("cause-specific", paste(cov, collapse = "+"), "breslow HR"), exp(coef(fit)))
}

# ---- Firth (Heinze & Schemper 2002 endometrial data, shipped by brglm2) ----
data(endometrial, package = "brglm2")
if (!file.exists("tests/reference/endometrial.csv")) write.csv(endometrial, "tests/reference/endometrial.csv", row.names = FALSE)
fit <- glm(HG ~ NV + PI + EH, family = binomial, data = endometrial, method = "brglmFit", type = "AS_mean",
           control = list(epsilon = 1e-12, maxit = 500))
out("firth endometrial coef (brglm2 AS_mean = Firth for logit)", coef(fit))
# profile penalised likelihood, written out here with optim (independent of the Python code)
X <- model.matrix(~ NV + PI + EH, endometrial); y <- endometrial$HG
pll <- function(b) { eta <- drop(X %*% b); p <- plogis(eta); sum(y * eta - log1p(exp(eta))) + 0.5 * determinant(crossprod(X * sqrt(p * (1 - p))))$modulus }
llhat <- pll(coef(fit))
prof <- function(j, v) { f <- function(r) { b <- numeric(4); b[j] <- v; b[-j] <- r; -pll(b) }
  -optim(coef(fit)[-j], f, method = "BFGS", control = list(reltol = 1e-14, maxit = 1000))$value }
lim <- function(j, side) uniroot(function(v) 2 * (llhat - prof(j, v)) - qchisq(0.95, 1),
  sort(c(coef(fit)[j], coef(fit)[j] + side * 10)), tol = 1e-10)$root
for (j in 2:4) out(paste("firth PL CI", colnames(X)[j]), lim(j, -1), lim(j, 1))
for (j in 2:4) out(paste("firth PLR p", colnames(X)[j]), pchisq(2 * (llhat - prof(j, 0)), 1, lower.tail = FALSE))
# NV separates quasi-completely (Heinze & Schemper 2002): every patient with NV = 1 has HG = 1
out("table(NV, HG) [NV0HG0, NV1HG0, NV0HG1, NV1HG1]", table(endometrial$NV, endometrial$HG))

# ---- Fisher's exact odds ratio ----
tabs <- list(c(3, 1, 1, 3), c(10, 3, 2, 15), c(7, 12, 9, 4), c(0, 5, 6, 4), c(20, 14, 11, 35))
for (tb in tabs) {
  m <- matrix(tb, 2, byrow = TRUE); ft <- fisher.test(m)
  out(paste("fisher", paste(tb, collapse = ","), "R default: or, lo, hi, p"), ft$estimate, ft$conf.int, ft$p.value)
  # the same roots solved tightly (fisher.test's own equations, uniroot tol 1e-14)
  x <- m[1, 1]; mm <- sum(m[, 1]); nn <- sum(m[, 2]); k <- sum(m[1, ]); lo <- max(0, k - nn); hi <- min(k, mm); sup <- lo:hi
  dn <- function(ncp) { d <- dhyper(sup, mm, nn, k, log = TRUE) + log(ncp) * sup; d <- exp(d - max(d)); d / sum(d) }
  mn <- function(ncp) sum(sup * dn(ncp)); pn <- function(q, ncp, upper) { d <- dn(ncp); if (upper) sum(d[sup >= q]) else sum(d[sup <= q]) }
  est <- if (x == lo) 0 else if (x == hi) Inf else exp(uniroot(function(t) mn(exp(t)) - x, c(-20, 20), tol = 1e-14)$root)
  cl <- if (x == lo) 0 else exp(uniroot(function(t) pn(x, exp(t), TRUE) - 0.025, c(-20, 20), tol = 1e-14)$root)
  cu <- if (x == hi) Inf else exp(uniroot(function(t) pn(x, exp(t), FALSE) - 0.025, c(-20, 20), tol = 1e-14)$root)
  out(paste("fisher", paste(tb, collapse = ","), "tight: or, lo, hi"), est, cl, cu)
}

# ---- log(-log) pointwise CI of a cumulative incidence (F = 0.4, se = 0.1) ----
F <- 0.4; se <- 0.1
out("loglog ci F=0.4 se=0.1", F^exp(-qnorm(0.975) * se / (F * log(F))), F^exp(qnorm(0.975) * se / (F * log(F))))
