/// The loss of a batch and its gradient with respect to every parameter (flat, ONE's layout).
#[derive(Clone, Debug)]
pub struct Gradients<T> {
    pub grad: Vec<T>,
    /// The weighted sums of the two loss terms (their total is the loss differentiated).
    pub imitation: T,
    pub prediction: T,
}
