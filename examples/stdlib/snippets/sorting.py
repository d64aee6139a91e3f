# --8<-- [start:stable]
people = [("ada", 36), ("alan", 41), ("grace", 36), ("edsger", 41)]
by_age = sorted(people, key=lambda person: person[1])
print(by_age)
# --8<-- [end:stable]

# --8<-- [start:two-keys]
by_age_then_name = sorted(people, key=lambda person: (-person[1], person[0]))
print(by_age_then_name)
# --8<-- [end:two-keys]

# --8<-- [start:heap]
import heapq

numbers = [5, 1, 8, 3, 9, 2]
print(heapq.nsmallest(3, numbers))
heapq.heapify(numbers)
print(numbers[0], [heapq.heappop(numbers) for _ in range(len(numbers))])
# --8<-- [end:heap]
