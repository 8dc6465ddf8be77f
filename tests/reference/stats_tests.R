# Reference values for tests/test_stats_tests.py (cartcyto.stats.tests).
# Run: Rscript tests/reference/stats_tests.R   (R 4.x, base stats only)
# Each line prints "label: value, value, ..." with 15 significant digits, to paste into the tests.
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")
q <- function(expr) suppressWarnings(expr)

# ---- data (identical vectors are written in the Python tests) ----
x_tie <- c(1.2, 3.4, 2.2, 5.1, 3.4, NA, 0.7, 2.2, 4.8, 6.0)       # ties + NA
y_tie <- c(2.5, 4.4, 6.1, 3.4, 7.2, 5.5, NA, 8.0, 6.1)
x_small <- c(1.1, 2.3, 0.4, 3.8, 2.9)                               # no ties, small n
y_small <- c(4.2, 3.5, 5.6, 2.0, 6.3, 4.9)
x_big <- 10 * sin(1:60)                                             # no ties, n_x >= 50
y_big <- 10 * cos(1:55) + 1

# ---- Mann-Whitney ----
w <- q(wilcox.test(x_tie, y_tie, exact = FALSE, correct = FALSE))
out("mw_tie_spss W, p", w$statistic, w$p.value)
w <- q(wilcox.test(x_tie, y_tie))
out("mw_tie_r W, p", w$statistic, w$p.value)
w <- wilcox.test(x_small, y_small, exact = FALSE, correct = FALSE)
out("mw_small_spss W, p", w$statistic, w$p.value)
w <- wilcox.test(x_small, y_small)
out("mw_small_r W, p", w$statistic, w$p.value)
w <- wilcox.test(y_small, x_small)
out("mw_small_r_swapped W, p", w$statistic, w$p.value)
w <- wilcox.test(x_big, y_big, exact = FALSE, correct = FALSE)
out("mw_big_spss W, p", w$statistic, w$p.value)
w <- wilcox.test(x_big, y_big)
out("mw_big_r W, p", w$statistic, w$p.value)

# ---- chi-square ----
t22 <- matrix(c(12, 5, 7, 15), nrow = 2, byrow = TRUE)
t23 <- matrix(c(10, 6, 4, 8, 3, 9), nrow = 2, byrow = TRUE)
c <- chisq.test(t22, correct = FALSE)
out("chi_22_spss X2, df, p", c$statistic, c$parameter, c$p.value)
c <- chisq.test(t22)
out("chi_22_r X2, df, p", c$statistic, c$parameter, c$p.value)
c <- q(chisq.test(t23, correct = FALSE))
out("chi_23_spss X2, df, p", c$statistic, c$parameter, c$p.value)
c <- q(chisq.test(t23))
out("chi_23_r X2, df, p", c$statistic, c$parameter, c$p.value)

# ---- Fisher ----
f <- fisher.test(t22)
out("fisher_22 p, conditional OR", f$p.value, f$estimate)
out("fisher_22 sample OR (ad/bc)", (12 * 15) / (5 * 7))
tea <- matrix(c(3, 1, 1, 3), nrow = 2, byrow = TRUE)
f <- fisher.test(tea)
out("fisher_tea p, conditional OR", f$p.value, f$estimate)
# fisher.test() finds the conditional MLE with uniroot()'s default tol (~1.2e-4), so its estimate
# is accurate to ~1e-6 only; the same root found with tol = 1e-14 (fisher.test's own code):
cond_mle <- function(tab) {
  m <- sum(tab[, 1L]); n <- sum(tab[, 2L]); k <- sum(tab[1L, ]); x <- tab[1L, 1L]
  support <- max(0L, k - n):min(k, m); logdc <- dhyper(support, m, n, k, log = TRUE)
  mnhyper <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); sum(support * d / sum(d)) }
  if (x > mnhyper(1)) 1 / uniroot(function(t) mnhyper(1 / t) - x, c(.Machine$double.eps, 1), tol = 1e-14)$root
  else uniroot(function(t) mnhyper(t) - x, c(0, 1), tol = 1e-14)$root
}
out("fisher_22 conditional OR, tol = 1e-14", cond_mle(t22))
out("fisher_tea conditional OR, tol = 1e-14", cond_mle(tea))
t0 <- matrix(c(0, 6, 5, 2), nrow = 2, byrow = TRUE)
f <- fisher.test(t0)
out("fisher_zero p, conditional OR", f$p.value, f$estimate)

# ---- Kruskal-Wallis (Hollander & Wolfe example of ?kruskal.test, plus a tied set) ----
g1 <- c(2.9, 3.0, 2.5, 2.6, 3.2); g2 <- c(3.8, 2.7, 4.0, 2.4); g3 <- c(2.8, 3.4, 3.7, 2.2, 2.0)
k <- kruskal.test(list(g1, g2, g3))
out("kw_hw H, df, p", k$statistic, k$parameter, k$p.value)
h1 <- c(1, 2, 2, 3, NA, 5); h2 <- c(2, 3, 3, 4, 6); h3 <- c(5, 5, 6, 7, 7, 8, NA)
k <- kruskal.test(list(h1[!is.na(h1)], h2, h3[!is.na(h3)]))
out("kw_tie H, df, p", k$statistic, k$parameter, k$p.value)

# ---- Spearman ----
sx_tie <- c(1, 2, 2, 4, 5, 6, NA, 8, 9, 9, 11, 12)
sy_tie <- c(2.1, 1.9, 3.5, 3.5, 6.0, 4.4, 7.0, 8.8, NA, 7.7, 9.9, 9.1)
ok <- !is.na(sx_tie) & !is.na(sy_tie)
r <- cor(rank(sx_tie[ok]), rank(sy_tie[ok])); n <- sum(ok)
tt <- r * sqrt((n - 2) / (1 - r^2))
out("sp_tie_spss rho, p(t-approx by hand), n", r, 2 * pt(-abs(tt), n - 2), n)
s <- q(cor.test(sx_tie, sy_tie, method = "spearman"))
out("sp_tie_r rho, p", s$estimate, s$p.value)

spear <- function(label, a, b) {
  r <- cor(rank(a), rank(b)); n <- length(a); tt <- r * sqrt((n - 2) / (1 - r^2))
  out(paste0(label, "_spss rho, p(t-approx by hand)"), r, 2 * pt(-abs(tt), n - 2))
  s <- cor.test(a, b, method = "spearman")
  out(paste0(label, "_r rho, p(exact AS 89)"), s$estimate, s$p.value)
}
a7 <- c(3.1, 1.2, 4.5, 2.2, 6.3, 5.0, 0.4); b7 <- c(2.0, 1.5, 3.9, 4.4, 5.2, 6.8, 0.9)
spear("sp7", a7, b7)
spear("sp7neg", a7, -b7)
a9 <- c(9, 3, 5, 1, 7, 2, 8, 4, 6); b9 <- c(8, 1, 6, 3, 9, 2, 5, 7, 4)
spear("sp9", a9, b9)
a12 <- c(12, 3, 5, 1, 7, 2, 8, 4, 6, 11, 9, 10); b12 <- c(10, 1, 6, 3, 12, 2, 5, 7, 4, 8, 11, 9)
spear("sp12", a12, b12)
a20 <- sin(1:20); b20 <- sin(1:20) + cos(3 * (1:20))
spear("sp20", a20, b20)
spear("sp20neg", a20, -b20)

# ---- Bonferroni ----
pp <- c(0.01, 0.2, 0.04, 0.5, NA)
out("bonf k=6", p.adjust(pp, "bonferroni", n = 6))
out("bonf k=30", p.adjust(pp, "bonferroni", n = 30))

# ---- McNemar (paired 2x2: rows first yes/no, columns second yes/no) ----
m1 <- matrix(c(10, 15, 5, 46), nrow = 2, byrow = TRUE)      # b = 15, c = 5
m2 <- matrix(c(3, 1, 8, 12), nrow = 2, byrow = TRUE)        # b = 1, c = 8
m3 <- matrix(c(4, 3, 3, 9), nrow = 2, byrow = TRUE)         # b = c = 3
for (nm in c("m1", "m2", "m3")) {
  m <- get(nm)
  b <- binom.test(m[1, 2], m[1, 2] + m[2, 1], p = 0.5)
  out(paste0("mcnemar_", nm, "_exact b, p"), b$statistic, b$p.value)
  a <- mcnemar.test(m, correct = FALSE)
  out(paste0("mcnemar_", nm, "_asymptotic X2, df, p"), a$statistic, a$parameter, a$p.value)
  a <- mcnemar.test(m)
  out(paste0("mcnemar_", nm, "_corrected X2, df, p"), a$statistic, a$parameter, a$p.value)
}
# paired flags with missing members (pairs with an NA dropped): the table of the complete pairs
f1 <- c(TRUE, TRUE, FALSE, FALSE, TRUE, NA, FALSE, TRUE, FALSE, TRUE, TRUE, FALSE)
f2 <- c(TRUE, FALSE, TRUE, FALSE, FALSE, TRUE, NA, FALSE, FALSE, FALSE, TRUE, TRUE)
a <- mcnemar.test(table(factor(f1, c(TRUE, FALSE)), factor(f2, c(TRUE, FALSE))))
out("mcnemar_flags_corrected X2, p", a$statistic, a$p.value)
