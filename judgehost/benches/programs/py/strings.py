# String building, splitting and joining.
parts = []
for i in range(200_000):
    parts.append(str(i * 31 % 977))
text = " ".join(parts)
words = text.split()
print(len(text), sum(len(w) for w in words))
