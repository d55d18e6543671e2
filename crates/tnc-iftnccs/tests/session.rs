//! Session-level behaviour: limits, batching of queued messages, deadlines, End.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use tnc_iftnccs::message::PbPa;
use tnc_iftnccs::session::{CloseReason, Event};
use tnc_iftnccs::{
    Batch, BatchType, Error, ErrorCode, Limits, Message, Role, Session, State, encode_batch,
};
use tnc_wire::{MessageType, Pen};

fn pa(body: &[u8]) -> Message<'_> {
    Message::Pa(PbPa {
        exclusive: false,
        message_type: MessageType::new(Pen::IETF, 1),
        collector: 1,
        validator: 0xFFFF,
        body,
    })
}

fn batch_type_of(b: &[u8]) -> BatchType {
    Batch::decode(b).unwrap().batch_type
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn only_error(batch: &[u8]) -> (ErrorCode, Option<u32>) {
    let b = Batch::decode(batch).unwrap();
    assert_eq!(b.batch_type, BatchType::CLOSE);
    let msgs: Vec<_> = b.messages().map(Result::unwrap).collect();
    match msgs.as_slice() {
        [Message::Error(e)] => {
            assert!(e.fatal);
            (e.code, e.offset())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn oversize_pa_message_is_refused_at_its_length_field() {
    let limits = Limits {
        max_message_size: 8,
        ..Limits::default()
    };
    let mut s = Session::new(Role::Server, limits);
    let b = encode_batch(
        Role::Client,
        BatchType::CDATA,
        &[pa(b"12345678"), pa(b"123456789")],
    )
    .unwrap();
    let err = s.receive_batch(&b, Instant::now()).unwrap_err();
    // the second message starts at 8 + 32 = 40; its length field at 48
    assert!(
        matches!(err, Error::InvalidParameter { offset: 48, .. }),
        "{err:?}"
    );
    assert_eq!(
        only_error(&s.poll_batch().unwrap()),
        (ErrorCode::INVALID_PARAMETER, Some(48))
    );
    assert_eq!(s.state(), State::End);
    assert!(matches!(
        events(&mut s).last(),
        Some(Event::Closed(CloseReason::ProtocolError(_)))
    ));
    // and a sender cannot queue one either
    let mut c = Session::new(Role::Client, limits);
    assert!(c.queue(&pa(b"123456789")).is_err());
}

#[test]
fn queued_messages_that_do_not_fit_wait_for_the_next_batch() {
    let limits = Limits {
        max_batch_size: 8 + 2 * 30,
        ..Limits::default()
    };
    let mut c = Session::new(Role::Client, limits);
    for body in [b"aaaaaa", b"bbbbbb", b"cccccc"] {
        c.queue(&pa(body)).unwrap(); // 30 octets each
    }
    let now = Instant::now();
    c.send_batch(BatchType::CDATA, now).unwrap();
    let first = c.poll_batch().unwrap();
    assert_eq!(first.len(), 68);
    assert_eq!(Batch::decode(&first).unwrap().validate().unwrap(), 2);
    assert_eq!(c.queued_messages(), 1);
    // the server answers; the leftover goes out in the next CDATA
    let sdata = encode_batch(Role::Server, BatchType::SDATA, &[]).unwrap();
    c.receive_batch(&sdata, now).unwrap();
    c.send_batch(BatchType::CDATA, now).unwrap();
    let second = c.poll_batch().unwrap();
    assert_eq!(second.len(), 38);
    // a message larger than a whole batch is refused when queued
    assert!(matches!(c.queue(&pa(&[0; 64])), Err(Error::Local(_))));
}

#[test]
fn illegal_sends_are_refused_without_state_change() {
    let mut c = Session::new(Role::Client, Limits::default());
    let now = Instant::now();
    assert!(matches!(
        c.send_batch(BatchType::SDATA, now),
        Err(Error::UnexpectedBatchType { .. })
    ));
    assert!(matches!(
        c.send_batch(BatchType::CRETRY, now),
        Err(Error::UnexpectedBatchType { .. })
    ));
    assert_eq!(c.state(), State::Init);
    assert!(c.poll_batch().is_none());
    c.send_batch(BatchType::CDATA, now).unwrap();
    assert_eq!(c.state(), State::ServerWorking);
    assert!(matches!(
        c.send_batch(BatchType::CDATA, now),
        Err(Error::UnexpectedBatchType { .. })
    ));
}

#[test]
fn round_trip_limit_is_a_local_error() {
    let limits = Limits {
        max_round_trips: 2,
        ..Limits::default()
    };
    let mut s = Session::new(Role::Server, limits);
    let now = Instant::now();
    let cdata = encode_batch(Role::Client, BatchType::CDATA, &[]).unwrap();
    for _ in 0..2 {
        s.receive_batch(&cdata, now).unwrap();
        s.send_batch(BatchType::SDATA, now).unwrap();
        s.poll_batch().unwrap();
    }
    assert_eq!(s.round_trips(), 2);
    assert!(matches!(s.receive_batch(&cdata, now), Err(Error::Local(_))));
    assert_eq!(
        only_error(&s.poll_batch().unwrap()),
        (ErrorCode::LOCAL_ERROR, None)
    );
}

#[test]
fn deadlines_follow_the_turns() {
    let limits = Limits {
        turn_timeout: Duration::from_secs(5),
        ..Limits::default()
    };
    let t0 = Instant::now();
    let mut c = Session::new(Role::Client, limits);
    assert_eq!(c.next_deadline(), None);
    c.send_batch(BatchType::CDATA, t0).unwrap();
    assert_eq!(batch_type_of(&c.poll_batch().unwrap()), BatchType::CDATA);
    assert_eq!(c.next_deadline(), Some(t0 + Duration::from_secs(5)));
    let t1 = t0 + Duration::from_secs(3);
    c.receive_batch(
        &encode_batch(Role::Server, BatchType::SDATA, &[]).unwrap(),
        t1,
    )
    .unwrap();
    assert_eq!(c.next_deadline(), Some(t1 + Duration::from_secs(5)));
    assert!(!c.handle_timeout(t1 + Duration::from_secs(4)));
    assert!(c.handle_timeout(t1 + Duration::from_secs(5)));
    assert_eq!(c.state(), State::End);
    assert_eq!(c.next_deadline(), None);
    assert_eq!(
        only_error(&c.poll_batch().unwrap()),
        (ErrorCode::LOCAL_ERROR, None)
    );
    assert!(matches!(
        events(&mut c).last(),
        Some(Event::Closed(CloseReason::Timeout))
    ));
    // after End: a CLOSE is tolerated silently, anything else is an error, nothing is sent
    assert!(
        c.receive_batch(
            &encode_batch(Role::Server, BatchType::CLOSE, &[]).unwrap(),
            t1
        )
        .is_ok()
    );
    assert_eq!(
        c.receive_batch(
            &encode_batch(Role::Server, BatchType::SDATA, &[]).unwrap(),
            t1
        ),
        Err(Error::SessionEnded)
    );
    assert!(c.poll_batch().is_none());
    assert_eq!(c.queue(&pa(b"x")), Err(Error::SessionEnded));
}

#[test]
fn client_ignores_result_messages_outside_result_and_sees_them_inside() {
    let mut c = Session::new(Role::Client, Limits::default());
    let now = Instant::now();
    c.send_batch(BatchType::CDATA, now).unwrap();
    let ar = Message::AssessmentResult(tnc_iftnccs::AssessmentResult::COMPLIANT);
    let rec = Message::AccessRecommendation(tnc_iftnccs::AccessRecommendation::ALLOWED);
    c.receive_batch(
        &encode_batch(Role::Server, BatchType::SDATA, &[ar, rec]).unwrap(),
        now,
    )
    .unwrap();
    let ev = events(&mut c);
    assert_eq!(ev.len(), 2, "only BatchStarted and BatchEnded: {ev:?}");
    c.send_batch(BatchType::CDATA, now).unwrap();
    c.receive_batch(
        &encode_batch(Role::Server, BatchType::RESULT, &[ar, rec]).unwrap(),
        now,
    )
    .unwrap();
    let ev = events(&mut c);
    assert!(ev.contains(&Event::AssessmentResult(
        tnc_iftnccs::AssessmentResult::COMPLIANT
    )));
    assert!(ev.contains(&Event::AccessRecommendation(
        tnc_iftnccs::AccessRecommendation::ALLOWED
    )));
    assert_eq!(c.state(), State::Decided);
}

#[test]
fn pa_bodies_are_delivered_without_copy_per_message() {
    let mut s = Session::new(Role::Server, Limits::default());
    let b = encode_batch(Role::Client, BatchType::CDATA, &[pa(b"one"), pa(b"two")]).unwrap();
    s.receive_batch(&b, Instant::now()).unwrap();
    let bodies: Vec<_> = events(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            Event::Pa(p) => Some(p.body),
            _ => None,
        })
        .collect();
    assert_eq!(bodies, vec![&b"one"[..], &b"two"[..]]);
    // both slices share one buffer (one copy of the batch)
    let d = bodies[1].as_ptr() as usize - bodies[0].as_ptr() as usize;
    assert_eq!(d, 27);
}
