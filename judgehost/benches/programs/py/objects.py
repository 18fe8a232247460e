# Classes: attribute access and method calls.
class Point:
    __slots__ = ("x", "y")
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def add(self, other):
        return Point(self.x + other.x, self.y + other.y)
p = Point(0, 0)
step = Point(1, 2)
for _ in range(600_000):
    p = p.add(step)
    if p.x > 1000:
        p = Point(p.x - 1000, p.y % 1000)
print(p.x, p.y)
