# Parsing a large input: split and convert integers, then output lines.
import sys
data = " ".join(str((i * 7919) % 1_000_000) for i in range(600_000))
nums = list(map(int, data.split()))
nums.sort()
out = [str(x) for x in nums[::1000]]
sys.stdout.write("\n".join(out) + "\n")
