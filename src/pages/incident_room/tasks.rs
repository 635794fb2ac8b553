//! The incident's tasks: add with an assignee (picked from the accounts, or
//! someone without one, marked) and a due time, reassign, mark done. Open
//! tasks stay in view; overdue ones say so.

use super::people::{NoAccountMark, PersonPicker};
use crate::browser::now_ms;
use crate::components::form::{Outcome, TextField};
use crate::room::use_room;
use leptos::prelude::*;
use sitrep_core::incident::Task;
use sitrep_core::time::utc;
use sitrep_core::EventBody;

#[component]
pub fn TasksPanel() -> impl IntoView {
    let room = use_room();
    let tasks = Memo::new(move |_| room.incident.with(|i| i.tasks.clone()));
    let title = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = title.get_untracked().trim().to_string();
        if t.is_empty() {
            problem.set(Some("Give the task a title.".into()));
            return;
        }
        let due_text = due.get_untracked();
        let due_at = match due_text.trim() {
            "" => None,
            s => match utc::parse_input(s) {
                Some(t) => Some(t),
                None => {
                    problem.set(Some("The due time must be a date and time (UTC).".into()));
                    return;
                }
            },
        };
        problem.set(None);
        let a = assignee.get_untracked().trim().to_string();
        room.record(EventBody::TaskAdded {
            title: t,
            assignee: (!a.is_empty()).then_some(a),
            due_at,
            remediation: false,
        });
        title.set(String::new());
        assignee.set(String::new());
        due.set(String::new());
    };
    let open = move || {
        tasks
            .get()
            .into_iter()
            .filter(|t| t.done_at.is_none())
            .collect::<Vec<_>>()
    };
    let done = move || {
        tasks
            .get()
            .into_iter()
            .filter(|t| t.done_at.is_some())
            .collect::<Vec<_>>()
    };
    view! {
        <section class="panel" aria-labelledby="tasks-heading">
            <h2 id="tasks-heading">"Tasks"</h2>
            <ul class="tasks" aria-label="Open tasks">
                <For each=open key=|t| (t.id.clone(), t.assignee.clone(), t.due_at, t.remediation) let:task>
                    <TaskRow task/>
                </For>
            </ul>
            {move || open().is_empty().then(|| view! { <p class="empty">"No open tasks."</p> })}
            <form class="stack-form" on:submit=add>
                <TextField id="task-title" label="Task" value=title maxlength=200/>
                <div class="row">
                    <PersonPicker id="task-assignee" label="Assignee" value=assignee/>
                    <TextField id="task-due" label="Due (UTC)" value=due kind="datetime-local"/>
                </div>
                <button type="submit">"Add task"</button>
            </form>
            <Outcome problem/>
            {move || {
                let d = done();
                (!d.is_empty()).then(|| view! {
                    <details class="done-tasks">
                        <summary>{format!("Done ({})", d.len())}</summary>
                        <ul aria-label="Done tasks">
                            {d.into_iter().map(|t| view! { <TaskRow task=t/> }).collect_view()}
                        </ul>
                    </details>
                })
            }}
        </section>
    }
}

#[component]
fn TaskRow(task: Task) -> impl IntoView {
    let room = use_room();
    let id = task.id.clone();
    let done = task.done_at.is_some();
    let check_id = format!("task-done-{}", task.id);
    let assign_id = format!("task-assign-{}", task.id);
    let assignee = RwSignal::new(task.assignee.clone().unwrap_or_default());
    let overdue = !done && task.due_at.is_some_and(|d| d < now_ms());
    let toggle = {
        let id = id.clone();
        move |_| {
            room.record(EventBody::TaskDone {
                task: id.clone(),
                done: !done,
            })
        }
    };
    let due_at = task.due_at;
    let reassign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let a = assignee.get_untracked().trim().to_string();
        room.record(EventBody::TaskUpdated {
            task: id.clone(),
            assignee: (!a.is_empty()).then_some(a),
            due_at,
        });
    };
    view! {
        <li class="task" class:overdue=overdue>
            <input type="checkbox" id=check_id.clone() prop:checked=done on:change=toggle/>
            <label for=check_id>{task.title.clone()}</label>
            {task.remediation.then(|| view! { <span class="tag">"remediation"</span> })}
            {task.due_at.map(|d| view! {
                <span class="due">{if overdue { "overdue since " } else { "due " }}{crate::reader::when(d)}</span>
            })}
            {(!done).then(|| view! {
                <form class="inline-form assign" on:submit=reassign>
                    <PersonPicker id=assign_id label=format!("Assignee of {}", task.title) value=assignee
                        hidden_label=true placeholder="unassigned"/>
                    <NoAccountMark name=task.assignee.clone().unwrap_or_default()/>
                    <button type="submit" class="small">"Assign"</button>
                </form>
            })}
            {done.then(|| task.assignee.clone().map(|a| view! {
                <span class="assignee">{a.clone()}</span> " " <NoAccountMark name=a/>
            }))}
        </li>
    }
}
