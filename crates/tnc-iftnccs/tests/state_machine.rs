//! Every legal and illegal transition of the PB-TNC state machine (RFC 5793 §3.2 figure and the
//! implementation tables of `pb-tnc.md` §5.1), for both roles, sending and receiving.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tnc_iftnccs::state::{Action, EDGES, Role, State, transition};
use tnc_iftnccs::{BatchType, Error};

use Action::{Receive, Send};
use State::{ClientWorking as CW, Decided as D, End, Init, ServerWorking as SW};

/// The expected next state, written out from the spec tables (not derived from `EDGES`).
/// `None` = illegal (Unexpected Batch Type).
fn expected(role: Role, action: Action, state: State, bt: u8) -> Option<State> {
    let client_sends = (role == Role::Client) == (action == Send);
    let sending = action == Send;
    match (client_sends, state, bt) {
        // CLOSE: from every state but End; End->End only tolerated on receipt
        (_, Init | SW | CW | D, 6) => Some(End),
        (_, End, 6) if !sending => Some(End),
        // client batches
        (true, Init, 1) => Some(SW),
        (true, CW, 1) => Some(SW),
        (true, D, 4) => Some(SW),
        (true, SW, 4) => Some(SW), // answer to SRETRY / RFC receive loop
        (true, CW, 4) if !sending => Some(SW), // strongSwan/jTNC leniency, never sent
        // server batches
        (false, Init, 2) => Some(CW),
        (false, SW, 2) => Some(CW),
        (false, SW, 3) => Some(D),
        (false, D, 5) => Some(SW),
        (false, SW, 5) => Some(CW), // strongSwan turn-passing SRETRY
        _ => None,
    }
}

#[test]
fn every_transition_of_both_roles() {
    let mut legal = 0;
    let mut illegal = 0;
    for role in [Role::Client, Role::Server] {
        for action in [Send, Receive] {
            for state in State::ALL {
                for bt in 0u8..=7 {
                    let got = transition(role, action, state, BatchType(bt));
                    match expected(role, action, state, bt) {
                        Some(next) => {
                            assert_eq!(
                                got.as_ref().ok(),
                                Some(&next),
                                "{role:?} {action:?} {state:?} type {bt}"
                            );
                            legal += 1;
                        }
                        None => {
                            assert!(
                                matches!(got, Err(Error::UnexpectedBatchType { .. })),
                                "{role:?} {action:?} {state:?} type {bt}: {got:?}"
                            );
                            illegal += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(legal + illegal, 2 * 2 * 5 * 8);

    assert_eq!(legal, 20 + 17); // 20 edges legal on receipt, 17 of them also sent (all but CW-CRETRY and the two End-CLOSE)
}

#[test]
fn rfc_figure_edges_are_all_present_and_sendable() {
    let fig: &[(Role, State, u8, State)] = &[
        (Role::Client, Init, 1, SW),
        (Role::Server, Init, 2, CW),
        (Role::Client, Init, 6, End),
        (Role::Server, Init, 6, End),
        (Role::Server, SW, 2, CW),
        (Role::Server, SW, 3, D),
        (Role::Client, SW, 6, End),
        (Role::Server, SW, 6, End),
        (Role::Client, CW, 1, SW),
        (Role::Client, CW, 6, End),
        (Role::Server, CW, 6, End),
        (Role::Client, D, 4, SW),
        (Role::Server, D, 5, SW),
        (Role::Client, D, 6, End),
        (Role::Server, D, 6, End),
    ];
    for &(sender, from, bt, to) in fig {
        let e = EDGES
            .iter()
            .find(|e| e.sender == sender && e.from == from && e.batch == BatchType(bt))
            .unwrap();
        assert_eq!(e.to, to);
        assert!(e.in_rfc_figure && e.sendable, "{e:?}");
        assert_eq!(transition(sender, Send, from, BatchType(bt)).unwrap(), to);
        assert_eq!(
            transition(sender.peer(), Receive, from, BatchType(bt)).unwrap(),
            to
        );
    }
    assert_eq!(EDGES.iter().filter(|e| e.in_rfc_figure).count(), fig.len());
}

#[test]
fn illegal_transition_names_the_situation() {
    let e = transition(Role::Server, Receive, State::Decided, BatchType::CDATA).unwrap_err();
    assert_eq!(
        e,
        Error::UnexpectedBatchType {
            role: Role::Server,
            action: "receive",
            batch_type: BatchType::CDATA,
            state: State::Decided
        }
    );
    assert_eq!(
        e.pb_error().unwrap().code,
        tnc_iftnccs::ErrorCode::UNEXPECTED_BATCH_TYPE
    );
}
