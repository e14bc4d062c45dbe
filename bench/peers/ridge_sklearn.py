"""Ridge path with scikit-learn: a Ridge fit per λ (alpha = nλ, no intercept,
solver chosen by scikit-learn), with train and test MSE and the norms.

    python ridge_sklearn.py DATA_DIR OUT.npz [--lambdas 100]
"""
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error

from peer import Peer

run = Peer(lambdas=100)
args = run.args
X, y = run.X, run.y
X_test, y_test = run.X_test, run.y_test

n = X.shape[0]
lambdas = np.logspace(-6, 2, args.lambdas)
rows = []
for lam in lambdas:
    model = Ridge(alpha=n * lam, fit_intercept=False).fit(X, y)
    w = model.coef_
    rows.append((w, mean_squared_error(y, model.predict(X)), mean_squared_error(y_test, model.predict(X_test))))
run.stop()

W = np.array([r[0] for r in rows])
run.finish(l2=lambdas, weights=W, train_mse=np.array([r[1] for r in rows]),
         test_mse=np.array([r[2] for r in rows]), l2_norm=np.linalg.norm(W, axis=1), l1_norm=np.abs(W).sum(1))
