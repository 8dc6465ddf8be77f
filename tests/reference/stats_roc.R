# Reference values for tests/test_stats_roc.py (ROC AUC with DeLong CI; pROC 1.18).
# Run: Rscript tests/reference/stats_roc.R
suppressMessages(library(pROC))
# a HEMATOTOX-like integer score (many ties) and severe ICAHT yes/no
SCORE <- c(0, 1, 1, 2, 3, 2, 4, 1, 0, 2, 5, 3, 1, 2, 6, 0, 3, 2, 4, 1, 2, 3, 0, 1, 7)
SEVERE <- c(0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1)
r <- roc(SEVERE, SCORE, levels = c(0, 1), direction = "<", quiet = TRUE)
ci <- ci.auc(r, method = "delong", conf.level = 0.95)
cat(sprintf("%.12g", c(ci[2], ci[1], ci[3])), sep = ", ")
cat("\n")
# continuous, no ties, 90% interval
X <- c(0.31, 1.22, 1.57, 2.05, 0.73, 0.12, 0.95, 1.48, 2.61, 0.44, 1.05, 1.77)
Y <- c(0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0)
r2 <- roc(Y, X, levels = c(0, 1), direction = "<", quiet = TRUE)
ci2 <- ci.auc(r2, method = "delong", conf.level = 0.90)
cat(sprintf("%.12g", c(ci2[2], ci2[1], ci2[3])), sep = ", ")
cat("\n")
