# Reference values for tests/test_stats_survival.py (cartcyto.stats.survival).
# Run: Rscript tests/reference/stats_survival.R   (R 4.x, survival >= 3.5)
# Writes tests/reference/lung.csv (survival::lung, NCCTG advanced lung cancer, 228 rows;
# status 1 = censored, 2 = dead; NA where missing) the first time.
suppressPackageStartupMessages(library(survival))
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")
if (!file.exists("tests/reference/lung.csv")) write.csv(lung, "tests/reference/lung.csv", row.names = FALSE, na = "")

cox <- function(label, f, ties) {
  fit <- coxph(f, data = lung, ties = ties)
  s <- summary(fit)
  ci <- exp(confint(fit))          # Wald: coef -/+ qnorm(0.975) * se
  out(paste(label, ties, "HR"), exp(coef(fit)))
  out(paste(label, ties, "ci_low"), ci[, 1])
  out(paste(label, ties, "ci_high"), ci[, 2])
  out(paste(label, ties, "p (Wald)"), s$coefficients[, "Pr(>|z|)"])
  out(paste(label, ties, "n, events, loglik"), fit$n, fit$nevent, fit$loglik[2])
}
for (ties in c("breslow", "efron")) {
  cox("age+sex", Surv(time, status) ~ age + sex, ties)
  cox("age+sex+ph.karno", Surv(time, status) ~ age + sex + ph.karno, ties)
  cox("age+sex+ph.ecog+wt.loss", Surv(time, status) ~ age + sex + ph.ecog + wt.loss, ties)
}

# ---- cumulative incidence ----
# 1 - Kaplan-Meier on a small tied, censored data set (days)
d_time  <- c(0, 2, 3, 3, 5, 5, 5, 8, 9, 12, 12, 15, 20, 21.5)
d_event <- c(1, 0, 1, 1, 1, 0, 0, 1, 0, 1,  0,  1,  0,  1)
d_comp  <- c(0, 1, 0, 0, 0, 1, 0, 0, 0, 0,  1,  0,  0,  0)   # competing event (e.g. death)
km <- survfit(Surv(d_time, d_event) ~ 1)
s <- summary(km, times = 0:25, extend = TRUE)
out("km ci days 0..25", 1 - s$surv)
out("km n.risk days 0..25", s$n.risk)
st <- factor(ifelse(d_event == 1, 1, ifelse(d_comp == 1, 2, 0)), 0:2, c("censor", "event", "competing"))
aj <- survfit(Surv(d_time, st) ~ 1)
s <- summary(aj, times = 0:25, extend = TRUE)
stopifnot(identical(aj$states, c("(s0)", "event", "competing")))
out("aj ci(event) days 0..25", s$pstate[, 2])
out("aj ci(competing) days 0..25", s$pstate[, 3])
out("aj n.risk days 0..25", s$n.risk[, 1])
# lung, 1 - KM at days 0..400 (every 50th printed, to keep the test readable)
km <- survfit(Surv(time, status) ~ 1, data = lung)
s <- summary(km, times = seq(0, 400, 50))
out("lung km ci days 0,50,..,400", 1 - s$surv)
out("lung n.risk days 0,50,..,400", s$n.risk)

# ---- backward stepwise, likelihood-ratio removal (SPSS COXREG /METHOD=BSTEP(LR)) ----
# Same algorithm as cartcyto.stats.survival.backward_lr_cox, with every statistic from survival:
# LR = 2 * (loglik(with) - loglik(without)); entry score test = coxph(init = c(b, 0), iter.max = 0)$score
cand <- c("age", "sex", "ph.ecog", "ph.karno", "pat.karno", "wt.loss", "meal.cal")
cc <- lung[complete.cases(lung[, c("time", "status", cand)]), ]
bstep <- function(ties, p_remove = 0.10, p_enter = 0.05) {
  fitm <- function(terms) {
    f <- if (length(terms)) reformulate(terms, "Surv(time, status)") else Surv(time, status) ~ 1
    coxph(f, data = cc, ties = ties)
  }
  ll <- function(fit) if (is.null(fit$loglik)) NA else fit$loglik[length(fit$loglik)]
  cur <- cand; fit <- fitm(cur)
  out(paste("bstep", ties, "start loglik"), ll(fit))
  repeat {
    lr <- sapply(cur, function(t) 2 * (ll(fit) - ll(fitm(setdiff(cur, t)))))
    p <- pchisq(lr, 1, lower.tail = FALSE)
    if (max(p) > p_remove) {
      t <- cur[which.max(p)]; cur <- setdiff(cur, t); fit <- fitm(cur)
      cat("bstep ", ties, " remove ", t, ": ", sprintf("%.15g", c(max(lr[t]), max(p), ll(fit))), "\n", sep = " ")
      next
    }
    out_terms <- setdiff(cand, cur)
    if (!length(out_terms)) break
    sc <- sapply(out_terms, function(t) coxph(reformulate(c(cur, t), "Surv(time, status)"), data = cc, ties = ties,
                                              init = c(coef(fit), 0), control = coxph.control(iter.max = 0))$score)
    ps <- pchisq(sc, 1, lower.tail = FALSE)
    cat("bstep ", ties, " entry scores ", paste(out_terms, collapse = ","), ": ", sprintf("%.15g", sc), "\n", sep = " ")
    if (min(ps) < p_enter) { cur <- c(cur, out_terms[which.min(ps)]); fit <- fitm(cur); next }
    break
  }
  ci <- exp(confint(fit))
  cat("bstep", ties, "final terms:", names(coef(fit)), "\n")
  out(paste("bstep", ties, "final HR"), exp(coef(fit)))
  out(paste("bstep", ties, "final ci_low"), ci[, 1])
  out(paste("bstep", ties, "final ci_high"), ci[, 2])
  out(paste("bstep", ties, "final p"), summary(fit)$coefficients[, "Pr(>|z|)"])
  out(paste("bstep", ties, "final n, events"), fit$n, fit$nevent)
}
bstep("breslow")
bstep("efron")
