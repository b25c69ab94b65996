import Testing
@testable import Controller

@Suite("The latest-only status feed")
struct StatusFeedTests {
    @Test func anUnchangedStatusIsNotPublished() {
        let feed = StatusFeed<String>(capacity: 2)
        #expect(feed.publish("Green"))
        #expect(!feed.publish("Green"))
        #expect(!feed.publish("Green"))
        #expect(feed.counts.published == 1)
    }

    @Test func whenFullTheOldestAreDroppedAndTheLatestIsKept() async {
        let feed = StatusFeed<Int>(capacity: 2)
        for value in 1...5 { feed.publish(value) }
        feed.finish()
        var received: [Int] = []
        for await value in feed.updates { received.append(value) }
        #expect(received == [4, 5])
        #expect(feed.counts.dropped == 3)
        #expect(feed.latest == 5)
    }

    @Test func aConsumerThatKeepsUpSeesEveryChange() async {
        let feed = StatusFeed<Int>(capacity: 1)
        var iterator = feed.updates.makeAsyncIterator()
        for value in [1, 2, 2, 3] {
            if feed.publish(value) {
                #expect(await iterator.next() == value)
            }
        }
        #expect(feed.counts.dropped == 0)
    }
}
