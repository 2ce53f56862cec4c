"""A hand-written NumPy training step for the reference MLP: the baseline without any framework.

`NumpyMLP(weights, optimizer="sgd"|"adam")` holds the six parameter arrays of the
784-128-64-10 ReLU MLP (`fc1.weight`, `fc1.bias`, ... in PyTorch's layout: weight is
(out_features, in_features)) and `step(x, y)` runs one full training step - forward, mean
cross-entropy, backward, and the update - exactly as `optim.SGD(lr, momentum)` /
`optim.Adam(lr)` define it (PyTorch's defaults otherwise). It returns the loss before the
update. Gradients and optimizer state live in preallocated buffers, updated in place.
"""
import numpy as np

PARAM_NAMES = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias")


class NumpyMLP:
    def __init__(self, weights, optimizer="sgd", lr=None, momentum=0.9,
                 betas=(0.9, 0.999), eps=1e-8):
        self.params = [np.array(weights[name], dtype=np.float32, copy=True) for name in PARAM_NAMES]
        self.grads = [np.zeros_like(p) for p in self.params]
        if optimizer not in ("sgd", "adam"):
            raise ValueError(f"NumpyMLP: optimizer must be 'sgd' or 'adam', got {optimizer!r}")
        self.optimizer = optimizer
        self.lr = lr if lr is not None else (0.01 if optimizer == "sgd" else 1e-3)
        self.momentum = momentum
        self.betas, self.eps = betas, eps
        self.step_count = 0
        self.buf1 = [np.zeros_like(p) for p in self.params]   # momentum buffer, or Adam's m
        self.buf2 = [np.zeros_like(p) for p in self.params]   # Adam's v
        self.tmp = [np.empty_like(p) for p in self.params]

    def state_dict(self):
        return dict(zip(PARAM_NAMES, self.params))

    def forward_backward(self, x, y):
        """Mean cross-entropy loss of (x, y); fills self.grads."""
        w1, b1, w2, b2, w3, b3 = self.params
        g_w1, g_b1, g_w2, g_b2, g_w3, g_b3 = self.grads
        n = x.shape[0]
        h1 = x @ w1.T
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2.T
        h2 += b2
        np.maximum(h2, 0, out=h2)
        logits = h2 @ w3.T
        logits += b3
        # log-softmax and mean NLL; the gradient of the mean loss is (softmax - onehot) / n
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        sums = logits.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(sums[:, 0]) - np.log(logits[rows, y])))
        logits /= sums
        logits[rows, y] -= 1.0
        logits *= np.float32(1.0 / n)
        d3 = logits
        np.matmul(d3.T, h2, out=g_w3)
        np.sum(d3, axis=0, out=g_b3)
        d2 = d3 @ w3
        d2 *= h2 > 0
        np.matmul(d2.T, h1, out=g_w2)
        np.sum(d2, axis=0, out=g_b2)
        d1 = d2 @ w2
        d1 *= h1 > 0
        np.matmul(d1.T, x, out=g_w1)
        np.sum(d1, axis=0, out=g_b1)
        return loss

    def update(self):
        self.step_count += 1
        if self.optimizer == "sgd":
            for p, g, buf in zip(self.params, self.grads, self.buf1):
                if self.step_count == 1:
                    buf[...] = g                      # torch.optim.SGD: the first buffer is the gradient
                else:
                    buf *= np.float32(self.momentum)
                    buf += g
                p -= np.float32(self.lr) * buf
        else:
            beta1, beta2 = self.betas
            t = self.step_count
            step_size = self.lr / (1 - beta1 ** t)
            bias2_sqrt = np.sqrt(1 - beta2 ** t)
            for p, g, m, v, tmp in zip(self.params, self.grads, self.buf1, self.buf2, self.tmp):
                m *= np.float32(beta1)
                m += np.float32(1 - beta1) * g
                v *= np.float32(beta2)
                np.multiply(g, g, out=tmp)
                tmp *= np.float32(1 - beta2)
                v += tmp
                np.sqrt(v, out=tmp)
                tmp /= np.float32(bias2_sqrt)
                tmp += np.float32(self.eps)
                np.divide(m, tmp, out=tmp)
                tmp *= np.float32(step_size)
                p -= tmp

    def step(self, x, y):
        """One training step on float32 inputs x (n, 784) and int64 labels y (n,); the loss."""
        loss = self.forward_backward(x, y)
        self.update()
        return loss
