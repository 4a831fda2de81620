"""Tune an SVM on the digits data set with an exhaustive grid search."""
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.svm import SVC

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

param_grid = {
    "C": [0.01, 0.1, 1, 10, 100, 1000],
    "gamma": [1e-4, 1e-3, 1e-2, 1e-1, 1],
    "kernel": ["rbf", "poly", "sigmoid"],
}
search = GridSearchCV(SVC(), param_grid, cv=10, n_jobs=-1)
search.fit(X_train, y_train)
print(search.best_params_, search.score(X_test, y_test))
