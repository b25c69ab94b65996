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

    @Test func aSubscriberStartsWithTheLatestAndASlowOneGetsOnlyTheNewest() async {
        let feed = StatusFeed<Int>(capacity: 4)
        feed.publish(1)
        var early = feed.subscribe().makeAsyncIterator()
        #expect(await early.next() == 1, "a new subscriber starts with the latest status")
        // A reader that does not read while 50 changes happen gets the newest, never a backlog.
        for value in 2...51 { feed.publish(value) }
        #expect(await early.next() == 51)
        let late = feed.subscribe()
        var lateIterator = late.makeAsyncIterator()
        #expect(await lateIterator.next() == 51)
        #expect(feed.subscriberCount == 2)
        feed.finish()
        #expect(await early.next() == nil, "finishing the feed ends every subscription")
        #expect(feed.subscriberCount == 0)
    }
}
