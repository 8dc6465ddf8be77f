# Reference values for tests/test_simulation.py (R 4.x, base stats).
# Clopper-Pearson exact 95% CI of a Monte Carlo proportion (power, coverage):
print(binom.test(7, 20)$conf.int, digits = 10)    # 0.1539092048 0.5921885345
print(binom.test(0, 20)$conf.int, digits = 10)    # 0.000000000 0.168433471
print(binom.test(19, 20)$conf.int, digits = 10)   # 0.7512672372 0.9987349105
print(binom.test(10, 20)$conf.int, digits = 10)   # 0.2719578496 0.7280421504
# Normal-approximation 95% CI of a mean bias: mean -/+ qnorm(0.975) * sd / sqrt(n)
x <- c(-0.2, 0.1, 0.05, -0.15, 0.3)
print(mean(x) + c(-1, 1) * qnorm(0.975) * sd(x) / sqrt(length(x)), digits = 10)
