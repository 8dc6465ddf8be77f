# Reference values for tests/test_stats_regression.py (cartcyto.stats.regression).
# Run: Rscript tests/reference/stats_regression.R   (R 4.x; uses tests/reference/lung.csv,
# written by stats_survival.R from survival::lung)
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")
lung <- read.csv("tests/reference/lung.csv")
lung$dead <- as.integer(lung$status == 2)

# epsilon = 1e-14: R's default (1e-8) stops IRLS while the standard errors (taken from the
# weights of the penultimate iterate) can still move in the 4th digit; see "small ... default".
logit <- function(label, f, data, epsilon = 1e-14) {
  fit <- glm(f, family = binomial, data = data, control = glm.control(epsilon = epsilon, maxit = 100))
  s <- summary(fit)$coefficients
  ci <- exp(confint.default(fit))  # Wald: b -/+ qnorm(0.975) * se (confint() would be profile likelihood)
  out(paste(label, "OR"), exp(coef(fit))[-1])
  out(paste(label, "ci_low"), ci[-1, 1])
  out(paste(label, "ci_high"), ci[-1, 2])
  out(paste(label, "p (Wald)"), s[-1, "Pr(>|z|)"])
  out(paste(label, "n, events"), nobs(fit), sum(fit$y))
  out(paste(label, "intercept OR, ci_low, ci_high, p"), exp(coef(fit))[1], ci[1, ], s[1, 4])
}
logit("lung age+sex", dead ~ age + sex, lung)
logit("lung age+sex+ph.ecog+wt.loss", dead ~ age + sex + ph.ecog + wt.loss, lung)

# small data set with ties and a missing value
small <- data.frame(
  y  = c(0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1),
  x1 = c(1.2, 2.5, 3.1, 0.8, 4.4, 2.5, 1.9, NA, 3.8, 2.2, 2.9, 1.1, 3.3, 1.5),
  x2 = c(0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1)
)
logit("small x1+x2", y ~ x1 + x2, small)
logit("small x1+x2 default epsilon 1e-8", y ~ x1 + x2, small, epsilon = 1e-8)
